import { useEffect, useState } from 'preact/hooks';

import { api, type Media, type Session } from '../api';
import { describeError } from '../errors';
import { formatBytes, formatDate } from '../formats';
import { useTranslation } from '../i18n';
import { StatusMessage, type StatusNotice } from '../status-message';

export function TrashScreen({ session }: { readonly session: Session }) {
  const { t } = useTranslation();
  const [items, setItems] = useState<Media[] | null>(null);
  const [message, setMessage] = useState<StatusNotice | null>(null);

  const load = async () => {
    try {
      setItems((await api.listMedia({ trash: true, sort: 'newest' })).items);
    } catch (error) {
      setMessage({ kind: 'error', text: describeError(error) });
    }
  };
  useEffect(() => void load(), []);

  const restore = async (media: Media) => {
    try {
      await api.restoreMedia(media.id);
      setMessage({ kind: 'success', text: t('trash.restored', { name: media.name }) });
      await load();
    } catch (error) {
      setMessage({ kind: 'error', text: describeError(error) });
    }
  };

  const deleteForGood = async (media: Media) => {
    if (!confirm(t('trash.confirmDelete', { name: media.name }))) return;
    try {
      await api.deleteForGood(media.id);
      setMessage({ kind: 'success', text: t('trash.deleted', { name: media.name }) });
      await load();
    } catch (error) {
      setMessage({ kind: 'error', text: describeError(error) });
    }
  };

  return (
    <section class="page">
      <h1>{t('trash.title')}</h1>
      <p class="lead">{t('trash.lead')}</p>
      <StatusMessage notice={message} />
      {items === null ? (
        <p role="status">{t('app.loading')}</p>
      ) : items.length === 0 ? (
        <p class="empty">{t('trash.empty')}</p>
      ) : (
        <ul class="rows">
          {items.map((media) => (
            <li key={media.id} class="row">
              <div class="row-main">
                <span class="row-title">{media.name}</span>
                <span class="row-meta">
                  {t('trash.trashedOn', { date: formatDate(media.trashedAt ?? media.updatedAt) })} · {formatBytes(media.size)}
                </span>
              </div>
              <div class="row-actions">
                <button type="button" onClick={() => void restore(media)}>
                  {t('trash.restore')}
                  <span class="visually-hidden"> {media.name}</span>
                </button>
                {session.user.role === 'admin' && (
                  <button type="button" class="button-danger" onClick={() => void deleteForGood(media)}>
                    {t('trash.deleteForGood')}
                    <span class="visually-hidden"> {media.name}</span>
                  </button>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

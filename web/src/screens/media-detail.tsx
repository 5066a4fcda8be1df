import { useEffect, useRef, useState } from 'preact/hooks';

import { api, ApiError, originalUrlOf, type Media, type Visibility } from '../api';
import { describeError } from '../errors';
import { formatBytes } from '../formats';
import { t, useTranslation } from '../i18n';
import { copyText, imageSnippet } from '../snippets';
import { StatusMessage, type StatusNotice } from '../status-message';
import { MediaFacts } from './media-facts';

export interface MediaDetailProps {
  readonly mediaId: string;
  readonly folders: readonly string[];
  /** Largest file accepted, in bytes, named when a replacement is too large. */
  readonly maxUploadBytes: number;
  readonly onChanged: () => void;
  readonly onClose: () => void;
  /** Called once the media is in the trash. The library then closes the panel and reports it. */
  readonly onTrashed: (media: Media) => void;
}

/** Shows one media: preview, facts, links to copy, and the changes an editor makes. */
export function MediaDetail({ mediaId, folders, maxUploadBytes, onChanged, onClose, onTrashed }: MediaDetailProps) {
  const { t } = useTranslation();
  const [media, setMedia] = useState<Media | null>(null);
  const [message, setMessage] = useState<StatusNotice | null>(null);
  const [name, setName] = useState('');
  const [alt, setAlt] = useState('');
  const [folder, setFolder] = useState('');
  const [visibility, setVisibility] = useState<Visibility>('public');
  const heading = useRef<HTMLHeadingElement>(null);
  const replacePicker = useRef<HTMLInputElement>(null);

  const show = (loaded: Media) => {
    setMedia(loaded);
    setName(loaded.name);
    setAlt(loaded.alt);
    setFolder(loaded.folder);
    setVisibility(loaded.visibility);
  };

  useEffect(() => {
    setMessage(null);
    setMedia(null);
    api.getMedia(mediaId).then(
      (loaded) => {
        show(loaded);
        heading.current?.focus();
      },
      (error: unknown) => setMessage({ kind: 'error', text: describeError(error, { id: mediaId }) }),
    );
  }, [mediaId]);

  useEffect(() => {
    const closeOnEscape = (event: KeyboardEvent) => {
      if (event.key === 'Escape') onClose();
    };
    addEventListener('keydown', closeOnEscape);
    return () => removeEventListener('keydown', closeOnEscape);
  }, [onClose]);

  /** Runs an action and shows its outcome. Returns true only when the action succeeded and was not cancelled. */
  const act = async (action: () => Promise<unknown>, success: string, cancelled = '') => {
    try {
      if ((await action()) === CANCELLED) {
        setMessage({ kind: 'info', text: cancelled });
        return false;
      }
      setMessage({ kind: 'success', text: success });
      return true;
    } catch (error) {
      // The server's error for a replacement too large has no limit member, but the message names the limit.
      setMessage({ kind: 'error', text: describeError(error, { limit: formatBytes(maxUploadBytes) }) });
      return false;
    }
  };

  if (media === null) {
    return (
      <aside class="detail" aria-label={t('detail.label')}>
        <CloseButton onClose={onClose} />
        {message === null ? <p role="status">{t('app.loading')}</p> : <p class="error" role="alert">{message.text}</p>}
      </aside>
    );
  }

  const isImage = media.mime.startsWith('image/');
  // The saved visibility, not the form's, because the link opens for readers only once "public" is saved.
  const isPrivate = media.visibility === 'private';
  const save = async (event: Event) => {
    event.preventDefault();
    const changes: Parameters<typeof api.updateMedia>[1] = {
      ...(name !== media.name ? { name } : {}),
      ...(alt !== media.alt ? { alt } : {}),
      ...(folder !== media.folder ? { folder } : {}),
      ...(visibility !== media.visibility ? { visibility } : {}),
    };
    if (Object.keys(changes).length === 0) {
      setMessage({ kind: 'info', text: t('detail.nothingToSave') });
      return;
    }
    await act(
      async () => {
        const updated = await withConfirmation((confirm) => api.updateMedia(media.id, changes, confirm));
        if (updated === null) {
          // The visibility shown must stay the one saved, or the panel would look private when it is not.
          setVisibility(media.visibility);
          return CANCELLED;
        }
        show({ ...updated, uploader: media.uploader });
        onChanged();
      },
      t('detail.saved'),
      t('detail.saveCancelled'),
    );
  };

  const copy = (text: string, success: string) =>
    act(async () => {
      await copyText(text);
    }, success);

  const replace = async (file: File | undefined) => {
    if (file === undefined) return;
    await act(async () => {
      const updated = await api.replaceContent(media.id, file);
      show({ ...updated, uploader: media.uploader });
      onChanged();
    }, t('detail.replaced'));
  };

  const trash = async () => {
    const trashed = await act(
      async () => ((await withConfirmation((confirm) => api.trashMedia(media.id, confirm))) === null ? CANCELLED : undefined),
      t('detail.trashed', { name: media.name }),
      t('detail.trashCancelled'),
    );
    if (trashed) onTrashed(media);
  };

  return (
    <aside class="detail" aria-labelledby="detail-title">
      <CloseButton onClose={onClose} />
      <h2 id="detail-title" ref={heading} tabIndex={-1}>
        {media.name}
      </h2>
      <div class="preview">
        {isImage ? (
          <img src={media.url} alt={media.alt} />
        ) : (
          <span class="file-badge" aria-hidden="true">
            {badgeOf(media.mime)}
          </span>
        )}
      </div>
      <StatusMessage notice={message} className="detail-status" />
      {isPrivate && (
        <p id="detail-private-notice" class="notice private-notice">
          {t('detail.privateNotice')}
        </p>
      )}
      <div class="detail-actions">
        <button
          type="button"
          class={isPrivate ? undefined : 'button-primary'}
          aria-describedby={isPrivate ? 'detail-private-notice' : undefined}
          onClick={() => void copy(media.url, isPrivate ? t('detail.privateLinkCopied') : t('detail.linkCopied'))}
        >
          {isPrivate ? t('detail.copyPrivateLink') : t('detail.copyLink')}
        </button>
        {isImage && (
          <button
            type="button"
            aria-describedby={isPrivate ? 'detail-private-notice' : undefined}
            onClick={() => void copy(imageSnippet(media), isPrivate ? t('detail.privateHtmlCopied') : t('detail.htmlCopied'))}
          >
            {t('detail.copyHtml')}
          </button>
        )}
        <a class="button" href={originalUrlOf(media)} download={media.name}>
          {t('detail.download')}
        </a>
      </div>
      <MediaFacts media={media} />
      <form class="stacked" onSubmit={(event) => void save(event)}>
        <label for="detail-name">{t('detail.name')}</label>
        <input id="detail-name" required maxLength={255} value={name} onInput={(event) => setName(event.currentTarget.value)} />
        {isImage && (
          <>
            <label for="detail-alt">{t('detail.alt')}</label>
            <textarea id="detail-alt" rows={2} maxLength={1000} aria-describedby="detail-alt-hint" value={alt} onInput={(event) => setAlt(event.currentTarget.value)} />
            <p id="detail-alt-hint" class="hint">
              {t('detail.altHint')}
            </p>
          </>
        )}
        <label for="detail-folder">{t('detail.folder')}</label>
        <input id="detail-folder" list="detail-folders" maxLength={200} value={folder} onInput={(event) => setFolder(event.currentTarget.value)} />
        <datalist id="detail-folders">
          {folders.map((existing) => (
            <option key={existing} value={existing} />
          ))}
        </datalist>
        <label for="detail-visibility">{t('detail.visibility')}</label>
        <select id="detail-visibility" value={visibility} onChange={(event) => setVisibility(event.currentTarget.value as Visibility)}>
          <option value="public">{t('visibility.public')}</option>
          <option value="private">{t('visibility.private')}</option>
        </select>
        <button type="submit" class="button-primary">
          {t('detail.save')}
        </button>
      </form>
      <div class="detail-actions secondary">
        <button type="button" onClick={() => replacePicker.current?.click()}>
          {t('detail.replace')}
        </button>
        <input
          ref={replacePicker}
          type="file"
          class="visually-hidden"
          tabIndex={-1}
          aria-hidden="true"
          onChange={(event) => {
            void replace(event.currentTarget.files?.[0]);
            event.currentTarget.value = '';
          }}
        />
        <button type="button" class="button-danger" onClick={() => void trash()}>
          {t('detail.trash')}
        </button>
      </div>
    </aside>
  );
}

/** Returned by an action that the user cancelled in the confirmation dialog, so that nothing changed. */
const CANCELLED = Symbol('cancelled');

/**
 * Runs a change that the server refuses with VITRAIL_MEDIA_RECENTLY_FETCHED when readers fetched the media
 * lately, because it would break mails already sent. The user is asked, and the change runs again with
 * confirmation if they agree. Returns null when they decline.
 */
async function withConfirmation<T>(change: (confirm: boolean) => Promise<T>): Promise<T | null> {
  try {
    return await change(false);
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== 'VITRAIL_MEDIA_RECENTLY_FETCHED') throw error;
    if (!confirm(t('detail.confirmFetched'))) return null;
    return change(true);
  }
}

function CloseButton({ onClose }: { readonly onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <button type="button" class="close button-quiet" onClick={onClose}>
      {t('detail.close')}
    </button>
  );
}

export function badgeOf(mime: string): string {
  if (mime === 'application/pdf') return 'PDF';
  const subtype = mime.split('/')[1] ?? '';
  return subtype.replace(/^vnd\..*\./, '').slice(0, 5).toUpperCase();
}

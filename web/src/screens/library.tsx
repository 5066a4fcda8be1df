import { useCallback, useEffect, useState } from 'preact/hooks';

import { api, thumbnailOf, type FolderCount, type Media, type MediaKind, type MediaSort, type Session } from '../api';
import { describeError } from '../errors';
import { formatBytes } from '../formats';
import { useTranslation } from '../i18n';
import { hrefOf, navigate } from '../routes';
import { LibraryNotice, type LibraryNoticeContent } from './library-notice';
import { badgeOf, MediaDetail } from './media-detail';
import { UploadPanel } from './upload-panel';

const SORTS: readonly MediaSort[] = ['newest', 'oldest', 'name', 'largest'];
const KINDS: readonly MediaKind[] = ['image', 'pdf', 'other'];
/** Value of the folder filter for every folder; '' is a real choice, media in no folder. */
const ALL_FOLDERS = '*';

export interface LibraryScreenProps {
  readonly session: Session;
  readonly openMediaId?: string;
}

export function LibraryScreen({ session, openMediaId }: LibraryScreenProps) {
  const { t } = useTranslation();
  const [search, setSearch] = useState('');
  const [sort, setSort] = useState<MediaSort>('newest');
  const [kind, setKind] = useState<MediaKind | ''>('');
  const [folder, setFolder] = useState(ALL_FOLDERS);
  const [folders, setFolders] = useState<FolderCount[]>([]);
  const [items, setItems] = useState<Media[] | null>(null);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<LibraryNoticeContent | null>(null);

  const query = {
    q: search,
    sort,
    type: kind === '' ? undefined : kind,
    folder: folder === ALL_FOLDERS ? undefined : folder,
  };

  const load = useCallback(async () => {
    try {
      const [page, folderList] = await Promise.all([api.listMedia(query), api.listFolders()]);
      setItems(page.items);
      setNextCursor(page.nextCursor);
      setFolders(folderList.items);
      setError(null);
    } catch (failure) {
      setError(describeError(failure));
    }
  }, [search, sort, kind, folder]);

  useEffect(() => {
    // Waits for a pause in typing before searching, so each keystroke does not send a request.
    const timer = setTimeout(() => void load(), 200);
    return () => clearTimeout(timer);
  }, [load]);

  const loadMore = async () => {
    if (nextCursor === null) return;
    try {
      const page = await api.listMedia({ ...query, cursor: nextCursor });
      setItems((current) => [...(current ?? []), ...page.items]);
      setNextCursor(page.nextCursor);
    } catch (failure) {
      setError(describeError(failure));
    }
  };

  // A notice about an earlier change would cover the bottom of the next media's panel.
  useEffect(() => {
    if (openMediaId !== undefined) setNotice(null);
  }, [openMediaId]);

  const trashed = (media: Media) => {
    setNotice({ kind: 'trashed', media });
    void load();
    navigate({ screen: 'library' });
  };

  const undoTrash = async (media: Media) => {
    try {
      await api.restoreMedia(media.id);
      setNotice({ kind: 'success', text: t('trash.restored', { name: media.name }) });
      void load();
    } catch (failure) {
      setNotice({ kind: 'error', text: describeError(failure) });
    }
  };

  const folderNames = folders.map((entry) => entry.folder).filter((name) => name !== '');

  return (
    <div class={openMediaId === undefined ? 'library' : 'library with-detail'}>
      <section class="page" aria-labelledby="library-title">
        <h1 id="library-title">{t('library.title')}</h1>
        <UploadPanel maxUploadBytes={session.maxUploadBytes} folder={folder === ALL_FOLDERS ? '' : folder} onUploaded={() => void load()} />
        <form class="filters" role="search" onSubmit={(event) => event.preventDefault()}>
          <label class="filter-search">
            <span>{t('library.search')}</span>
            <input type="search" value={search} onInput={(event) => setSearch(event.currentTarget.value)} />
          </label>
          <label>
            <span>{t('library.folder')}</span>
            <select value={folder} onChange={(event) => setFolder(event.currentTarget.value)}>
              <option value={ALL_FOLDERS}>{t('library.allFolders')}</option>
              <option value="">{t('library.noFolder')}</option>
              {folderNames.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          </label>
          <label>
            <span>{t('library.type')}</span>
            <select value={kind} onChange={(event) => setKind(event.currentTarget.value as MediaKind | '')}>
              <option value="">{t('library.allTypes')}</option>
              {KINDS.map((choice) => (
                <option key={choice} value={choice}>
                  {t(`kinds.${choice}`)}
                </option>
              ))}
            </select>
          </label>
          <label>
            <span>{t('library.sort')}</span>
            <select value={sort} onChange={(event) => setSort(event.currentTarget.value as MediaSort)}>
              {SORTS.map((choice) => (
                <option key={choice} value={choice}>
                  {t(`sorts.${choice}`)}
                </option>
              ))}
            </select>
          </label>
        </form>
        {error !== null && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        {items === null ? (
          <p role="status">{t('app.loading')}</p>
        ) : items.length === 0 ? (
          <p class="empty">{search === '' && kind === '' && folder === ALL_FOLDERS ? t('library.emptyLibrary') : t('library.noMatch')}</p>
        ) : (
          <>
            <p class="visually-hidden" role="status">
              {t('library.count', { count: items.length })}
            </p>
            <ul class="grid">
              {items.map((media) => (
                <li key={media.id}>
                  <a class="tile" href={hrefOf({ screen: 'library', mediaId: media.id })} aria-current={media.id === openMediaId ? 'true' : undefined}>
                    <span class="thumb">
                      {media.mime.startsWith('image/') ? (
                        <img src={thumbnailOf(media)} alt="" loading="lazy" />
                      ) : (
                        <span class="file-badge" aria-hidden="true">
                          {badgeOf(media.mime)}
                        </span>
                      )}
                    </span>
                    <span class="tile-name">{media.name}</span>
                    <span class="tile-meta">
                      {formatBytes(media.size)}
                      {media.visibility === 'private' && ` · ${t('visibility.private')}`}
                    </span>
                  </a>
                </li>
              ))}
            </ul>
            {nextCursor !== null && (
              <button type="button" class="load-more" onClick={() => void loadMore()}>
                {t('library.more')}
              </button>
            )}
          </>
        )}
      </section>
      {openMediaId !== undefined && (
        <MediaDetail
          mediaId={openMediaId}
          folders={folderNames}
          maxUploadBytes={session.maxUploadBytes}
          onChanged={() => void load()}
          onClose={() => navigate({ screen: 'library' })}
          onTrashed={trashed}
        />
      )}
      <LibraryNotice notice={notice} onUndoTrash={(media) => void undoTrash(media)} onDismiss={() => setNotice(null)} />
    </div>
  );
}

import { useEffect, useRef } from 'preact/hooks';

import type { Media } from '../api';
import { useTranslation } from '../i18n';
import { hrefOf } from '../routes';
import type { StatusNotice } from '../status-message';

/** A message of the library screen: a media just moved to the trash, or the outcome of undoing that. */
export type LibraryNoticeContent = { readonly kind: 'trashed'; readonly media: Media } | StatusNotice;

export interface LibraryNoticeProps {
  readonly notice: LibraryNoticeContent | null;
  readonly onUndoTrash: (media: Media) => void;
  readonly onDismiss: () => void;
}

/**
 * Shows, at the bottom of the screen, the outcome of a change made in the detail panel once the panel has
 * closed. For a trashed media it offers to undo and links to the trash. Focus moves to the message, since
 * the button that had it went away with the panel.
 */
export function LibraryNotice({ notice, onUndoTrash, onDismiss }: LibraryNoticeProps) {
  const { t } = useTranslation();
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (notice?.kind === 'trashed') box.current?.focus();
  }, [notice]);

  return (
    <div class="library-notice-region" aria-live="polite">
      {notice !== null && (
        <div class={notice.kind === 'error' ? 'library-notice failed' : 'library-notice'} ref={box} tabIndex={-1}>
          {notice.kind === 'trashed' ? (
            <>
              <p class="success">{t('detail.trashed', { name: notice.media.name })}</p>
              <button type="button" onClick={() => onUndoTrash(notice.media)}>
                {t('library.undoTrash')}
              </button>
              <a class="button" href={hrefOf({ screen: 'trash' })}>
                {t('library.openTrash')}
              </a>
            </>
          ) : (
            <p class={notice.kind} role={notice.kind === 'error' ? 'alert' : undefined}>
              {notice.text}
            </p>
          )}
          <button type="button" class="button-quiet" onClick={onDismiss}>
            {t('library.dismissNotice')}
          </button>
        </div>
      )}
    </div>
  );
}

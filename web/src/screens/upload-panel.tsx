import Uppy, { type UppyFile } from '@uppy/core';
import Tus from '@uppy/tus';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';

import { ApiError, currentCsrfToken, toApiError, type Media } from '../api';
import { describeError } from '../errors';
import { usePageFileDrop } from '../file-drop';
import { formatBytes } from '../formats';
import { t, useTranslation } from '../i18n';
import { hrefOf } from '../routes';

type UploadMeta = { name: string; type: string; folder: string };
type UploadBody = Record<string, never>;

/** State of one file in the list: its progress, or the media it became, or why it was rejected. */
interface FileState {
  readonly id: string;
  readonly name: string;
  readonly size: number;
  readonly percent: number;
  readonly status: 'uploading' | 'done' | 'failed';
  /** true when the server or the size limit rejected the file, false when its transfer broke off. */
  readonly rejected?: boolean;
  readonly error?: string;
  readonly duplicate?: { readonly id: string; readonly name: string };
}

export interface UploadPanelProps {
  readonly maxUploadBytes: number;
  /** Folder given to new files: the folder being viewed, or '' for none. */
  readonly folder: string;
  /** Called after each file that became a media, so the library shows it. */
  readonly onUploaded: () => void;
}

/**
 * Sends files through the tus protocol with Uppy, so an upload cut by a network drop or a server restart
 * resumes where it stopped. Each file shows its own progress and, when refused, the reason in plain words;
 * the other files go on.
 */
export function UploadPanel({ maxUploadBytes, folder, onUploaded }: UploadPanelProps) {
  const { t } = useTranslation();
  const [files, setFiles] = useState<FileState[]>([]);
  const [overall, setOverall] = useState(0);
  const picker = useRef<HTMLInputElement>(null);
  const uploaded = useRef(onUploaded);
  uploaded.current = onUploaded;

  const uppy = useMemo(() => createUppy(maxUploadBytes), [maxUploadBytes]);
  useEffect(() => {
    const update = (id: string, change: Partial<FileState>) =>
      setFiles((current) => current.map((file) => (file.id === id ? { ...file, ...change } : file)));
    const fileError = (file: UppyFile<UploadMeta, UploadBody> | undefined, error: unknown) => {
      if (file !== undefined) update(file.id, { status: 'failed', ...explainFailure(file, error, maxUploadBytes) });
    };

    uppy.on('file-added', (file) => {
      setFiles((current) => [...current, { id: file.id, name: file.name ?? '', size: file.size ?? 0, percent: 0, status: 'uploading' }]);
    });
    uppy.on('upload-progress', (file, progress) => {
      if (file === undefined || progress.bytesTotal === null || progress.bytesTotal === 0) return;
      update(file.id, { percent: Math.round((100 * progress.bytesUploaded) / progress.bytesTotal) });
    });
    uppy.on('progress', (percent) => setOverall(percent));
    uppy.on('upload-success', (file) => {
      if (file === undefined) return;
      update(file.id, { status: 'done', percent: 100 });
      uploaded.current();
    });
    uppy.on('upload-error', (file, error) => {
      fileError(file, toUploadFailure(error));
    });
    uppy.on('restriction-failed', (file) => {
      if (file === undefined) return;
      setFiles((current) => [
        ...current,
        {
          id: `${file.id}-refused`,
          name: file.name ?? '',
          size: file.size ?? 0,
          percent: 0,
          status: 'failed',
          rejected: true,
          error: t('errors.VITRAIL_MEDIA_TOO_LARGE', { limit: formatBytes(maxUploadBytes) }),
        },
      ]);
    });
    return () => uppy.destroy();
  }, [uppy]);

  const add = (list: FileList | null) => {
    if (list === null) return;
    uppy.setMeta({ folder });
    for (const file of Array.from(list)) {
      try {
        uppy.addFile({ name: file.name, type: file.type, data: file, source: 'local' });
      } catch {
        // A file that breaks a restriction was reported through 'restriction-failed'.
      }
    }
  };

  // Files dropped anywhere on the library are added, not only on the drop zone.
  const dragging = usePageFileDrop(add);
  const finished = files.length > 0 && files.every((file) => file.status !== 'uploading');

  return (
    <section class="upload-panel" aria-labelledby="upload-title">
      <h2 id="upload-title" class="visually-hidden">
        {t('upload.title')}
      </h2>
      {dragging && (
        <div class="drop-overlay" aria-hidden="true">
          <p>{folder === '' ? t('upload.dropAnywhere') : t('upload.dropAnywhereInFolder', { folder })}</p>
        </div>
      )}
      <div class={dragging ? 'drop-zone dragging' : 'drop-zone'} data-testid="drop-zone">
        <p>{t('upload.dropHere')}</p>
        <button type="button" class="button-primary" onClick={() => picker.current?.click()}>
          {t('upload.choose')}
        </button>
        <input
          ref={picker}
          type="file"
          multiple
          class="visually-hidden"
          tabIndex={-1}
          aria-hidden="true"
          onChange={(event) => {
            add(event.currentTarget.files);
            event.currentTarget.value = '';
          }}
        />
        <p class="hint">{t('upload.limit', { limit: formatBytes(maxUploadBytes) })}</p>
      </div>
      {files.length > 0 && (
        <div class="upload-list">
          <div class="overall" aria-live="polite">
            {finished ? (
              <p class={`upload-summary ${summaryTone(files)}`}>{summarise(files)}</p>
            ) : (
              <>
                <label for="upload-overall">{t('upload.overall')}</label>
                <progress id="upload-overall" max={100} value={overall}>
                  {overall} %
                </progress>
              </>
            )}
            {finished && (
              <button
                type="button"
                class="button-quiet"
                onClick={() => {
                  uppy.clear();
                  setFiles([]);
                  setOverall(0);
                }}
              >
                {t('upload.clear')}
              </button>
            )}
          </div>
          <ul aria-live="polite">
            {files.map((file) => (
              <li key={file.id} class={`upload-item ${file.status}`} data-status={file.status}>
                <span class="upload-name">{file.name}</span>
                <span class="upload-size">{formatBytes(file.size)}</span>
                {file.status === 'uploading' && (
                  <progress max={100} value={file.percent} aria-label={t('upload.progressOf', { name: file.name })}>
                    {file.percent} %
                  </progress>
                )}
                {file.status === 'done' && <span class="success">{t('upload.done')}</span>}
                {file.status === 'failed' && (
                  <span class="error" role="alert">
                    {file.error}
                    {file.duplicate !== undefined && (
                      <>
                        {' '}
                        <a href={hrefOf({ screen: 'library', mediaId: file.duplicate.id })}>{t('upload.openExisting')}</a>
                      </>
                    )}
                  </span>
                )}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}

/** The HTTP response that tus-js-client attaches to the errors it reports, when the server responded. */
interface TusResponse {
  getStatus(): number;
  getBody(): string;
}

/** A copy of the server's response, kept on the error object itself. */
interface SavedAnswer {
  readonly status: number;
  readonly body: string;
}

const SAVED_ANSWER = Symbol('saved answer');

/** Vitrail's codes for tus failures that a retry from the server's offset can cure. */
const RETRIED_CODES = new Set(['VITRAIL_UPLOAD_OFFSET_CONFLICT', 'VITRAIL_UPLOAD_INTERRUPTED']);

/**
 * Copies the server's response onto the error. Uppy 5 aborts the finished request before it reports the
 * error, which empties the response (status 0), so the copy is taken while tus-js-client decides whether
 * to retry.
 */
function saveAnswer(error: unknown): void {
  const response = (error as { originalResponse?: TusResponse | null }).originalResponse;
  if (response === undefined || response === null) return;
  (error as { [SAVED_ANSWER]?: SavedAnswer })[SAVED_ANSWER] = { status: response.getStatus(), body: response.getBody() };
}

/**
 * Turns what Uppy reports into an ApiError when the server responded with one of Vitrail's JSON errors, so
 * the message comes from the translation of its code. A failure without a response is a network failure.
 */
function toUploadFailure(error: unknown): unknown {
  const saved = (error as { [SAVED_ANSWER]?: SavedAnswer })[SAVED_ANSWER];
  if (saved === undefined || saved.status === 0) return new TypeError('no response from the server');
  let body: unknown = null;
  try {
    body = JSON.parse(saved.body);
  } catch {
    body = null;
  }
  return toApiError(saved.status, body);
}

function createUppy(maxUploadBytes: number): Uppy<UploadMeta, UploadBody> {
  const uppy = new Uppy<UploadMeta, UploadBody>({ autoProceed: true, restrictions: { maxFileSize: maxUploadBytes } });
  uppy.use(Tus, {
    endpoint: '/api/v1/uploads',
    headers: (): Record<string, string> => {
      const token = currentCsrfToken();
      return token === null ? {} : { 'x-csrf-token': token };
    },
    allowedMetaFields: ['name', 'type', 'folder'],
    removeFingerprintOnSuccess: true,
    // Enough retries to ride out a server restart or a short network drop.
    retryDelays: [0, 1000, 2000, 4000, 8000, 15000, 30000],
    onShouldRetry: (error, _attempt, _options, next) => {
      saveAnswer(error);
      // A Vitrail error rejects the file itself, which no retry changes. Other failures, such as a tus
      // offset conflict after a restart, a 5xx or a network error, follow tus-js-client's own rule.
      const failure = toUploadFailure(error);
      if (failure instanceof ApiError && failure.code.startsWith('VITRAIL_') && !RETRIED_CODES.has(failure.code)) return false;
      return next(error);
    },
  });
  return uppy;
}

function explainFailure(file: UppyFile<UploadMeta, UploadBody>, error: unknown, maxUploadBytes: number): Pick<FileState, 'rejected' | 'error' | 'duplicate'> {
  const details = (error as { details?: Record<string, unknown> }).details ?? {};
  const media = details.media as Media | undefined;
  return {
    // A 4xx response rejects the file itself, while a 5xx or a network failure may pass on a later try.
    rejected: error instanceof ApiError && error.status < 500,
    error: describeError(error, { name: media?.name ?? file.name ?? '', limit: formatBytes(maxUploadBytes) }),
    duplicate: media === undefined ? undefined : { id: media.id, name: media.name },
  };
}

/** Sums up a finished upload in the list's header, such as « 2 fichiers ajoutés, 1 refusé ». */
function summarise(files: readonly FileState[]): string {
  const added = files.filter((file) => file.status === 'done').length;
  const rejected = files.filter((file) => file.status === 'failed' && file.rejected === true).length;
  const notSent = files.filter((file) => file.status === 'failed' && file.rejected !== true).length;
  const parts = [added === 0 ? t('upload.noneAdded') : t('upload.added', { count: added })];
  if (rejected > 0) parts.push(t('upload.rejected', { count: rejected }));
  if (notSent > 0) parts.push(t('upload.notSent', { count: notSent }));
  return parts.join(', ');
}

/** Returns the summary's colour class, green when every file was added and red when none was. */
function summaryTone(files: readonly FileState[]): 'success' | 'error' | 'partial' {
  const added = files.filter((file) => file.status === 'done').length;
  if (added === files.length) return 'success';
  return added === 0 ? 'error' : 'partial';
}

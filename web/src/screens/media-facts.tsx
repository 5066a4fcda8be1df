import { servedRenditionOf, type Media } from '../api';
import { formatBytes, formatDate, readableUrl } from '../formats';
import { useTranslation } from '../i18n';

/**
 * Renders the facts an editor checks before putting a media in a mailing. Weight and dimensions are
 * those of the file readers get, with the original's beside them when the public URL serves a rendition.
 */
export function MediaFacts({ media }: { readonly media: Media }) {
  const { t } = useTranslation();
  const rendition = servedRenditionOf(media);
  const pixels = (width: number | null, height: number | null) => (width === null || height === null ? null : t('detail.pixels', { width, height }));
  const originalPixels = pixels(media.width, media.height);
  const servedPixels = rendition === null ? originalPixels : pixels(rendition.width, rendition.height);

  return (
    <>
      {rendition !== null && <p class="hint">{t('detail.renditionHint')}</p>}
      <dl class="facts">
        <dt>{t('detail.weight')}</dt>
        <dd>
          {formatBytes(rendition?.size ?? media.size)}
          {rendition !== null && <OriginalValue value={formatBytes(media.size)} />}
        </dd>
        {(servedPixels !== null || originalPixels !== null) && (
          <>
            <dt>{t('detail.dimensions')}</dt>
            <dd>
              {servedPixels}
              {originalPixels !== null && servedPixels !== originalPixels && <OriginalValue value={originalPixels} />}
            </dd>
          </>
        )}
        <dt>{t('detail.uploadedBy')}</dt>
        <dd>{media.uploader?.email ?? t('detail.unknownUploader')}</dd>
        <dt>{t('detail.uploadedOn')}</dt>
        <dd>{formatDate(media.createdAt)}</dd>
        <dt class="fact-wide">{media.visibility === 'private' ? t('detail.privateLink') : t('detail.link')}</dt>
        <dd class="fact-wide link-text" onCopy={(event) => copyExactUrl(event, media.url)}>
          <a href={media.url} target="_blank" rel="noopener">
            {readableUrl(media.url)}
          </a>
        </dd>
      </dl>
    </>
  );
}

function OriginalValue({ value }: { readonly value: string }) {
  const { t } = useTranslation();
  return <span class="fact-note">{t('detail.originalValue', { value })}</span>;
}

/**
 * Puts the exact URL on the clipboard when the whole link shown is copied by hand, because the readable
 * form, with raw spaces and accents, is not a valid URL (RFC 3986) to paste into a mailing.
 */
function copyExactUrl(event: ClipboardEvent, url: string): void {
  const selected = getSelection()?.toString().trim();
  if (selected !== readableUrl(url) || event.clipboardData === null) return;
  event.clipboardData.setData('text/plain', url);
  event.preventDefault();
}

import { useEffect, useRef, useState } from 'preact/hooks';

import { api, type Page, type Session } from '../api';
import { describeError } from '../errors';
import { formatDate } from '../formats';
import { useTranslation } from '../i18n';
import { hrefOf } from '../routes';
import { copyText } from '../snippets';
import { PageSender } from './page-sender';
import { StatusMessage, type StatusNotice } from '../status-message';

export interface PageDetailProps {
  readonly session: Session;
  readonly pageId: string;
}

/** Shows one hosted page: its link and a preview, with replacing, unpublishing and publishing it again. */
export function PageDetail({ session, pageId }: PageDetailProps) {
  const { t } = useTranslation();
  const [page, setPage] = useState<Page | null>(null);
  const [message, setMessage] = useState<StatusNotice | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    api.getPage(pageId).then(
      (loaded) => {
        setPage(loaded);
        heading.current?.focus();
      },
      (error: unknown) => setMessage({ kind: 'error', text: describeError(error) }),
    );
  }, [pageId]);

  const back = (
    <p>
      <a href={hrefOf({ screen: 'pages' })}>{t('pageDetail.back')}</a>
    </p>
  );

  if (page === null) {
    return (
      <section class="page">
        {back}
        {message === null ? <p role="status">{t('app.loading')}</p> : <p class="error" role="alert">{message.text}</p>}
      </section>
    );
  }

  const act = async (action: () => Promise<Page>, success: (changed: Page) => string) => {
    try {
      const changed = await action();
      setPage(changed);
      setMessage({ kind: 'success', text: success(changed) });
    } catch (error) {
      setMessage({ kind: 'error', text: describeError(error) });
    }
  };

  const copy = async () => {
    try {
      await copyText(page.url);
      setMessage({ kind: 'success', text: t('pageDetail.linkCopied') });
    } catch {
      setMessage({ kind: 'error', text: t('errors.copy') });
    }
  };

  const unpublish = async () => {
    if (!confirm(t('pageDetail.confirmUnpublish', { title: page.title }))) return;
    await act(() => api.unpublishPage(page.id), () => t('pageDetail.unpublished'));
  };

  const published = page.status === 'published';
  // The preview comes from the API, so it shows an unpublished page too, and the version number makes the
  // frame load again after a replacement.
  const previewUrl = `/api/v1/pages/${encodeURIComponent(page.id)}/preview?version=${encodeURIComponent(page.updatedAt)}`;

  return (
    <section class="page page-detail" aria-labelledby="page-detail-title">
      {back}
      <h1 id="page-detail-title" ref={heading} tabIndex={-1}>
        {page.title}
      </h1>
      <StatusMessage notice={message} />
      <dl class="facts">
        <dt>{t('pageDetail.status')}</dt>
        <dd>
          <StatusBadge page={page} /> {published ? t('pageDetail.publishedHint') : t('pageDetail.unpublishedHint')}
        </dd>
        <dt>{t('pageDetail.link')}</dt>
        <dd class="link-text">{page.url}</dd>
        <dt>{t('pageDetail.publishedOn')}</dt>
        <dd>{formatDate(page.createdAt)}</dd>
        {page.createdBy !== undefined && (
          <>
            <dt>{t('pageDetail.publishedBy')}</dt>
            <dd>{page.createdBy?.email ?? t('pages.unknownCreator')}</dd>
          </>
        )}
        <dt>{t('pageDetail.updatedOn')}</dt>
        <dd>{formatDate(page.updatedAt)}</dd>
        <dt>{t('pageDetail.searchEngines')}</dt>
        <dd>{page.indexable ? t('pageDetail.indexable') : t('pageDetail.notIndexable')}</dd>
        <dt>{t('pageDetail.confirmed')}</dt>
        <dd>{t('pageDetail.confirmedCount', { count: page.confirmedFindings.length })}</dd>
      </dl>
      <div class="detail-actions">
        <button type="button" class="button-primary" onClick={() => void copy()}>
          {t('pageDetail.copyLink')}
        </button>
        {published && (
          <a class="button" href={page.url} target="_blank" rel="noopener noreferrer">
            {t('pageDetail.open')}
          </a>
        )}
        {published ? (
          <button type="button" class="button-danger" onClick={() => void unpublish()}>
            {t('pageDetail.unpublish')}
          </button>
        ) : (
          <button type="button" onClick={() => void act(() => api.republishPage(page.id), () => t('pageDetail.republished'))}>
            {t('pageDetail.republish')}
          </button>
        )}
      </div>
      <h2>{t('pageDetail.previewTitle')}</h2>
      <iframe
        class="page-preview"
        title={t('pageDetail.previewLabel', { title: page.title })}
        src={previewUrl}
        sandbox="allow-popups allow-popups-to-escape-sandbox"
        referrerpolicy="no-referrer"
      />
      <section class="card" aria-labelledby="replace-title">
        <h2 id="replace-title">{t('pageDetail.replaceTitle')}</h2>
        <p class="lead">{t('pageDetail.replaceLead')}</p>
        <PageSender
          key={page.updatedAt}
          mode="replace"
          idPrefix="replace"
          maxUploadBytes={session.maxUploadBytes}
          indexable={page.indexable}
          send={(file, choices) => api.replacePage(page.id, file, choices)}
          onSent={(changed) => {
            setPage(changed);
            setMessage({ kind: 'success', text: t('pageDetail.replaced') });
          }}
        />
      </section>
    </section>
  );
}

/** Shows whether readers reach the page at its link: « En ligne » or « Hors ligne ». */
export function StatusBadge({ page }: { readonly page: Page }) {
  const { t } = useTranslation();
  return <span class={`status-badge ${page.status}`}>{t(`pages.status.${page.status}`)}</span>;
}

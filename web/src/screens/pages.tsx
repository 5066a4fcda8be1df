import { useEffect, useRef, useState } from 'preact/hooks';

import { api, type Page, type Session } from '../api';
import { describeError } from '../errors';
import { formatDate } from '../formats';
import { useTranslation } from '../i18n';
import { hrefOf } from '../routes';
import { copyText } from '../snippets';
import { PageDetail, StatusBadge } from './page-detail';
import { PageSender } from './page-sender';
import { StatusMessage, type StatusNotice } from '../status-message';

export interface PagesScreenProps {
  readonly session: Session;
  readonly openPageId?: string;
}

/** Shows the hosted web versions of mailings: the list with a form to publish one, or the detail of one page. */
export function PagesScreen({ session, openPageId }: PagesScreenProps) {
  if (openPageId !== undefined) return <PageDetail key={openPageId} session={session} pageId={openPageId} />;
  return <PageList session={session} />;
}

function PageList({ session }: { readonly session: Session }) {
  const { t } = useTranslation();
  const [items, setItems] = useState<Page[] | null>(null);
  const [message, setMessage] = useState<StatusNotice | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  // Back from a page's detail, the link that had the focus is gone: the focus moves to the heading, as on
  // a change of screen, instead of falling back to the start of the document.
  useEffect(() => {
    if (document.activeElement === document.body) heading.current?.focus();
  }, []);

  const load = async () => {
    try {
      setItems((await api.listPages()).items);
    } catch (error) {
      setMessage({ kind: 'error', text: describeError(error) });
    }
  };
  useEffect(() => void load(), []);

  const copy = async (page: Page) => {
    try {
      await copyText(page.url);
      setMessage({ kind: 'success', text: t('pages.linkCopied', { title: page.title }) });
    } catch {
      setMessage({ kind: 'error', text: t('errors.copy') });
    }
  };

  return (
    <section class="page" aria-labelledby="pages-title">
      <h1 id="pages-title" ref={heading} tabIndex={-1}>
        {t('pages.title')}
      </h1>
      <p class="lead">{t('pages.lead')}</p>
      <section class="card" aria-labelledby="publish-title">
        <h2 id="publish-title">{t('pages.publishTitle')}</h2>
        <PageSender
          mode="publish"
          idPrefix="publish"
          maxUploadBytes={session.maxUploadBytes}
          indexable={false}
          send={(file, choices) => api.publishPage(file, choices)}
          onSent={(page) => {
            setMessage({ kind: 'success', text: t('pages.published', { title: page.title }) });
            void load();
          }}
        />
      </section>
      <StatusMessage notice={message} />
      <h2>{t('pages.listTitle')}</h2>
      {items === null ? (
        <p role="status">{t('app.loading')}</p>
      ) : items.length === 0 ? (
        <p class="empty">{t('pages.empty')}</p>
      ) : (
        <ul class="rows">
          {items.map((page) => (
            <li key={page.id} class="row" data-status={page.status}>
              <div class="row-main">
                <a class="row-title" href={hrefOf({ screen: 'pages', pageId: page.id })}>
                  {page.title}
                </a>
                <span class="row-meta">
                  <StatusBadge page={page} /> · {t('pages.publishedOn', { date: formatDate(page.createdAt) })}
                  {page.createdBy !== undefined && ` · ${page.createdBy === null ? t('pages.unknownCreator') : t('pages.by', { email: page.createdBy.email })}`}
                </span>
                <span class="link-text">{page.url}</span>
              </div>
              <div class="row-actions">
                <button type="button" onClick={() => void copy(page)}>
                  {t('pages.copyLink')}
                  <span class="visually-hidden"> {page.title}</span>
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

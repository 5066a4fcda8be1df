import { useRef, useState } from 'preact/hooks';

import { FINDING_KINDS, FINDING_LABELS, type FindingKind } from '../../../src/pages/finding-kinds';
import { ApiError, findingsOf, type Finding, type FindingLocation, type Page, type PageChoices } from '../api';
import { describeError } from '../errors';
import { formatBytes } from '../formats';
import { t as translate, useTranslation, type Language } from '../i18n';

/** File types offered by the file chooser: an HTML page, or a zip of a page and its images. */
const ACCEPTED_FILES = '.html,.htm,.zip,text/html,application/zip';

export interface PageSenderProps {
  /** 'publish' puts a new page online; 'replace' changes the content of an existing page at the same URL. */
  readonly mode: 'publish' | 'replace';
  /** Prefix of the element ids, so two senders never share an id. */
  readonly idPrefix: string;
  readonly maxUploadBytes: number;
  /** Initial state of the search engine checkbox: the page's current choice on a replacement. */
  readonly indexable: boolean;
  readonly send: (file: File, choices: PageChoices) => Promise<Page>;
  readonly onSent: (page: Page) => void;
}

/** An error to show: the message in the user's language, and the server's own wording when it adds facts. */
interface Failure {
  readonly text: string;
  readonly serverMessage: string | null;
}

/**
 * Sends a page file. When the server finds what may be personal data, each finding is listed with a
 * checkbox. The editor either confirms every finding, and the same file is sent again with their ids, or
 * cancels to fix the page first. Nothing is published until then.
 */
export function PageSender({ mode, idPrefix, maxUploadBytes, indexable: initialIndexable, send, onSent }: PageSenderProps) {
  const { t, language } = useTranslation();
  const [file, setFile] = useState<File | null>(null);
  const [title, setTitle] = useState('');
  const [indexable, setIndexable] = useState(initialIndexable);
  const [findings, setFindings] = useState<Finding[] | null>(null);
  const [checked, setChecked] = useState<ReadonlySet<string>>(new Set());
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [dragging, setDragging] = useState(false);
  const picker = useRef<HTMLInputElement>(null);
  const findingsHeading = useRef<HTMLHeadingElement>(null);

  const choose = (list: FileList | null | undefined) => {
    const chosen = list?.[0];
    if (chosen === undefined) return;
    setFile(chosen);
    setFindings(null);
    setChecked(new Set());
    setFailure(null);
  };

  const reset = () => {
    setFile(null);
    setTitle('');
    setFindings(null);
    setChecked(new Set());
    setFailure(null);
  };

  const submit = async (confirm: readonly string[]) => {
    if (file === null) {
      setFailure({ text: t('pageSender.noFile'), serverMessage: null });
      return;
    }
    if (file.size > maxUploadBytes) {
      setFailure({ text: t('upload.tooLarge', { limit: formatBytes(maxUploadBytes) }), serverMessage: null });
      return;
    }
    setBusy(true);
    setFailure(null);
    try {
      const page = await send(file, { title: mode === 'publish' ? title : undefined, indexable, confirm });
      reset();
      onSent(page);
    } catch (error) {
      const found = findingsOf(error);
      if (found !== null) {
        setFindings(found);
        setChecked(new Set());
        // The list replaces the form and its button, so the focus moves to the list's heading. A keyboard or
        // screen reader user then lands on the items to check.
        setTimeout(() => findingsHeading.current?.focus(), 0);
      } else {
        setFailure(toFailure(error, maxUploadBytes));
      }
    } finally {
      setBusy(false);
    }
  };

  const confirmAll = () => {
    if (findings === null) return;
    if (findings.some((finding) => !checked.has(finding.id))) {
      setFailure({ text: t('pageSender.checkEach'), serverMessage: null });
      return;
    }
    void submit(findings.map((finding) => finding.id));
  };

  const toggle = (id: string, on: boolean) => {
    setChecked((current) => {
      const next = new Set(current);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  };

  return (
    <div class="page-sender">
      {findings === null ? (
        <form
          class="stacked"
          onSubmit={(event) => {
            event.preventDefault();
            void submit([]);
          }}
        >
          <div
            class={dragging ? 'drop-zone dragging' : 'drop-zone'}
            onDragOver={(event) => {
              event.preventDefault();
              setDragging(true);
            }}
            onDragLeave={() => setDragging(false)}
            onDrop={(event) => {
              event.preventDefault();
              setDragging(false);
              choose(event.dataTransfer?.files);
            }}
            data-testid={`${idPrefix}-drop-zone`}
          >
            <p>{t('pageSender.dropHere')}</p>
            <button type="button" onClick={() => picker.current?.click()} aria-describedby={`${idPrefix}-chosen`}>
              {t('pageSender.choose')}
            </button>
            <input
              ref={picker}
              type="file"
              accept={ACCEPTED_FILES}
              class="visually-hidden"
              tabIndex={-1}
              aria-hidden="true"
              data-testid={`${idPrefix}-file`}
              onChange={(event) => {
                choose(event.currentTarget.files);
                event.currentTarget.value = '';
              }}
            />
            <p id={`${idPrefix}-chosen`} class={file === null ? 'hint' : 'chosen-file'} aria-live="polite">
              {file === null ? t('pageSender.limit', { limit: formatBytes(maxUploadBytes) }) : t('pageSender.chosen', { name: file.name, size: formatBytes(file.size) })}
            </p>
          </div>
          {mode === 'publish' && (
            <>
              <label for={`${idPrefix}-title`}>{t('pageSender.title')}</label>
              <input id={`${idPrefix}-title`} maxLength={200} aria-describedby={`${idPrefix}-title-hint`} value={title} onInput={(event) => setTitle(event.currentTarget.value)} />
              <p id={`${idPrefix}-title-hint`} class="hint">
                {t('pageSender.titleHint')}
              </p>
            </>
          )}
          <label class="checkbox">
            <input type="checkbox" checked={indexable} aria-describedby={`${idPrefix}-indexable-hint`} onChange={(event) => setIndexable(event.currentTarget.checked)} />
            <span>{t('pageSender.indexable')}</span>
          </label>
          <p id={`${idPrefix}-indexable-hint`} class="hint">
            {t('pageSender.indexableHint')}
          </p>
          <button type="submit" class="button-primary" disabled={busy}>
            {busy ? t('pageSender.busy') : t(`pageSender.${mode}`)}
          </button>
        </form>
      ) : (
        <section class="findings" aria-labelledby={`${idPrefix}-findings-title`}>
          <h3 id={`${idPrefix}-findings-title`} ref={findingsHeading} tabIndex={-1}>
            {t('pageSender.findingsTitle', { count: findings.length })}
          </h3>
          <p>{t('pageSender.findingsLead')}</p>
          <ul class="finding-list">
            {findings.map((finding, index) => (
              <FindingItem
                key={finding.id}
                finding={finding}
                inputId={`${idPrefix}-finding-${index}`}
                language={language}
                checked={checked.has(finding.id)}
                onToggle={(on) => toggle(finding.id, on)}
              />
            ))}
          </ul>
          <div class="detail-actions">
            <button type="button" class="button-primary" disabled={busy} onClick={confirmAll}>
              {busy ? t('pageSender.busy') : t(`pageSender.${mode}Confirmed`)}
            </button>
            <button type="button" disabled={busy} onClick={reset}>
              {t('pageSender.cancel')}
            </button>
          </div>
        </section>
      )}
      <div aria-live="polite">
        {failure !== null && (
          <div class="error" role="alert">
            <p>{failure.text}</p>
            {failure.serverMessage !== null && <p class="server-message">{t('pageSender.serverMessage', { message: failure.serverMessage })}</p>}
          </div>
        )}
      </div>
    </div>
  );
}

interface FindingItemProps {
  readonly finding: Finding;
  readonly inputId: string;
  readonly language: Language;
  readonly checked: boolean;
  readonly onToggle: (checked: boolean) => void;
}

function FindingItem({ finding, inputId, language, checked, onToggle }: FindingItemProps) {
  const { t } = useTranslation();
  const label = labelOf(finding.kind, language);
  return (
    <li class="finding" data-kind={finding.kind}>
      <p class="finding-kind">{label?.label ?? finding.kind}</p>
      <p class="finding-text">
        « {finding.text} »{finding.occurrences > 1 && ` ${t('pageSender.occurrences', { count: finding.occurrences })}`}
      </p>
      <p class="finding-where">{describeLocation(finding.where)}</p>
      {label !== undefined && <p class="hint">{label.advice}</p>}
      <label class="checkbox" for={inputId}>
        <input id={inputId} type="checkbox" checked={checked} onChange={(event) => onToggle(event.currentTarget.checked)} />
        <span>{t('pageSender.confirmFinding', { text: finding.text })}</span>
      </label>
    </li>
  );
}

function labelOf(kind: string, language: Language): { label: string; advice: string } | undefined {
  return (FINDING_KINDS as readonly string[]).includes(kind) ? FINDING_LABELS[language][kind as FindingKind] : undefined;
}

/** Describes where a finding sits in an editor's words (a link, an image, the text) with its line. */
function describeLocation(where: FindingLocation): string {
  const place = translate(`pageSender.where.${placeOf(where)}`);
  return where.line === null ? translate('pageSender.whereAt', { place }) : translate('pageSender.whereAtLine', { place, line: where.line });
}

type Place = 'text' | 'title' | 'link' | 'image' | 'imageText' | 'tooltip' | 'code';

function placeOf(where: FindingLocation): Place {
  if (where.attribute === null) return where.element === 'title' ? 'title' : 'text';
  if (where.attribute === 'href') return 'link';
  if (where.attribute === 'src' || where.attribute === 'background') return 'image';
  if (where.attribute === 'alt') return 'imageText';
  if (where.attribute === 'title') return 'tooltip';
  return 'code';
}

function toFailure(error: unknown, maxUploadBytes: number): Failure {
  const text = describeError(error, { limit: formatBytes(maxUploadBytes) });
  // A translated message is general, but the server's message names the file, entry or limit concerned.
  const serverMessage = error instanceof ApiError && error.message !== '' && error.message !== text ? error.message : null;
  return { text, serverMessage };
}

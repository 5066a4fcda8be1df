import { useEffect, useState } from 'preact/hooks';

import { api, type ApiToken } from '../api';
import { describeError } from '../errors';
import { formatDate } from '../formats';
import { useTranslation } from '../i18n';
import { copyText } from '../snippets';
import { StatusMessage, type StatusNotice } from '../status-message';

export function TokensScreen() {
  const { t } = useTranslation();
  const [tokens, setTokens] = useState<ApiToken[] | null>(null);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const [message, setMessage] = useState<StatusNotice | null>(null);

  const load = async () => {
    try {
      setTokens((await api.listTokens()).items);
    } catch (error) {
      setMessage({ kind: 'error', text: describeError(error) });
    }
  };
  useEffect(() => void load(), []);

  const create = async (event: Event) => {
    event.preventDefault();
    try {
      const result = await api.createToken(name);
      setCreated({ name, token: result.token });
      setName('');
      setMessage(null);
      await load();
    } catch (error) {
      setMessage({ kind: 'error', text: describeError(error) });
    }
  };

  const revoke = async (token: ApiToken) => {
    if (!confirm(t('tokens.confirmRevoke', { name: token.name }))) return;
    try {
      await api.revokeToken(token.id);
      setMessage({ kind: 'success', text: t('tokens.revoked', { name: token.name }) });
      await load();
    } catch (error) {
      setMessage({ kind: 'error', text: describeError(error) });
    }
  };

  const copy = async (text: string) => {
    try {
      await copyText(text);
      setMessage({ kind: 'success', text: t('tokens.copied') });
    } catch {
      setMessage({ kind: 'error', text: t('errors.copy') });
    }
  };

  return (
    <section class="page">
      <h1>{t('tokens.title')}</h1>
      <p class="lead">{t('tokens.lead')}</p>
      <StatusMessage notice={message} />
      {created !== null && (
        <div class="card token-created" role="status">
          <p>{t('tokens.createdOnce', { name: created.name })}</p>
          <code class="token-value">{created.token}</code>
          <button type="button" class="button-primary" onClick={() => void copy(created.token)}>
            {t('tokens.copy')}
          </button>
        </div>
      )}
      <form class="inline-form card" onSubmit={(event) => void create(event)}>
        <label for="token-name">{t('tokens.name')}</label>
        <input id="token-name" required maxLength={200} value={name} placeholder={t('tokens.namePlaceholder')} onInput={(event) => setName(event.currentTarget.value)} />
        <button type="submit" class="button-primary">
          {t('tokens.create')}
        </button>
      </form>
      {tokens === null ? (
        <p role="status">{t('app.loading')}</p>
      ) : tokens.length === 0 ? (
        <p class="empty">{t('tokens.empty')}</p>
      ) : (
        <ul class="rows">
          {tokens.map((token) => (
            <li key={token.id} class="row">
              <div class="row-main">
                <span class="row-title">{token.name}</span>
                <span class="row-meta">
                  {t('tokens.owner', { email: token.email })} · {t('tokens.createdOn', { date: formatDate(token.createdAt) })} ·{' '}
                  {token.lastUsedAt === null ? t('tokens.neverUsed') : t('tokens.lastUsed', { date: formatDate(token.lastUsedAt) })}
                  {token.revokedAt !== null && <strong> · {t('tokens.revokedState')}</strong>}
                </span>
              </div>
              {token.revokedAt === null && (
                <div class="row-actions">
                  <button type="button" class="button-danger" onClick={() => void revoke(token)}>
                    {t('tokens.revoke')}
                    <span class="visually-hidden"> {token.name}</span>
                  </button>
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

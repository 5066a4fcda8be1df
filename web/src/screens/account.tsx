import { useState } from 'preact/hooks';

import { api } from '../api';
import { describeError } from '../errors';
import { useTranslation } from '../i18n';

export function AccountScreen() {
  const { t } = useTranslation();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const [message, setMessage] = useState<{ kind: 'error' | 'success'; text: string } | null>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (next !== confirmation) {
      setMessage({ kind: 'error', text: t('account.mismatch') });
      return;
    }
    try {
      await api.changePassword(current, next);
      setCurrent('');
      setNext('');
      setConfirmation('');
      setMessage({ kind: 'success', text: t('account.changed') });
    } catch (error) {
      setMessage({ kind: 'error', text: describeError(error) });
    }
  };

  return (
    <section class="page narrow">
      <h1>{t('account.title')}</h1>
      <form class="stacked" onSubmit={(event) => void submit(event)}>
        <h2>{t('account.passwordTitle')}</h2>
        <label for="current-password">{t('account.current')}</label>
        <input id="current-password" type="password" autocomplete="current-password" required value={current} onInput={(event) => setCurrent(event.currentTarget.value)} />
        <label for="new-password">{t('account.new')}</label>
        <input id="new-password" type="password" autocomplete="new-password" required minLength={10} value={next} aria-describedby="new-password-hint" onInput={(event) => setNext(event.currentTarget.value)} />
        <p id="new-password-hint" class="hint">{t('account.hint')}</p>
        <label for="confirm-password">{t('account.confirm')}</label>
        <input id="confirm-password" type="password" autocomplete="new-password" required value={confirmation} onInput={(event) => setConfirmation(event.currentTarget.value)} />
        {message !== null && (
          <p class={message.kind} role={message.kind === 'error' ? 'alert' : 'status'}>
            {message.text}
          </p>
        )}
        <button type="submit" class="button-primary">
          {t('account.submit')}
        </button>
      </form>
    </section>
  );
}

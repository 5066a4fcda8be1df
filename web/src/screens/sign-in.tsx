import { useState } from 'preact/hooks';

import { api, ApiError, type Session } from '../api';
import { LanguageSwitch } from '../app';
import { describeError } from '../errors';
import { useTranslation } from '../i18n';

export function SignInScreen({ onSignedIn }: { readonly onSignedIn: (session: Session) => void }) {
  const { t } = useTranslation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await api.signIn(email, password));
    } catch (failure) {
      const minutes = failure instanceof ApiError && failure.retryAfterSeconds !== null ? Math.ceil(failure.retryAfterSeconds / 60) : undefined;
      setError(describeError(failure, minutes === undefined ? {} : { minutes }));
      setBusy(false);
    }
  };

  return (
    <main class="sign-in" id="main">
      <div class="sign-in-card">
        <h1>{t('app.name')}</h1>
        <p class="lead">{t('signIn.lead')}</p>
        <form onSubmit={(event) => void submit(event)}>
          <label for="sign-in-email">{t('signIn.email')}</label>
          <input
            id="sign-in-email"
            type="email"
            autocomplete="username"
            required
            value={email}
            onInput={(event) => setEmail(event.currentTarget.value)}
          />
          <label for="sign-in-password">{t('signIn.password')}</label>
          <input
            id="sign-in-password"
            type="password"
            autocomplete="current-password"
            required
            value={password}
            onInput={(event) => setPassword(event.currentTarget.value)}
          />
          {error !== null && (
            <p class="error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" class="button-primary" disabled={busy}>
            {busy ? t('signIn.busy') : t('signIn.submit')}
          </button>
        </form>
        <LanguageSwitch />
      </div>
    </main>
  );
}

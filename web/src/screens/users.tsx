import { useEffect, useState } from 'preact/hooks';

import { api, type Role, type Session, type User } from '../api';
import { describeError } from '../errors';
import { formatDate } from '../formats';
import { useTranslation } from '../i18n';
import { StatusMessage, type StatusNotice } from '../status-message';

const ROLES: readonly Role[] = ['editor', 'admin'];

export function UsersScreen({ session }: { readonly session: Session }) {
  const { t } = useTranslation();
  const [users, setUsers] = useState<User[] | null>(null);
  const [message, setMessage] = useState<StatusNotice | null>(null);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('editor');
  const [resetFor, setResetFor] = useState<string | null>(null);
  const [newPassword, setNewPassword] = useState('');

  const load = async () => {
    try {
      setUsers((await api.listUsers()).items);
    } catch (error) {
      setMessage({ kind: 'error', text: describeError(error) });
    }
  };
  useEffect(() => void load(), []);

  const run = async (action: () => Promise<unknown>, success: string) => {
    try {
      await action();
      setMessage({ kind: 'success', text: success });
      await load();
      return true;
    } catch (error) {
      setMessage({ kind: 'error', text: describeError(error) });
      return false;
    }
  };

  const add = async (event: Event) => {
    event.preventDefault();
    if (await run(() => api.addUser(email, password, role), t('users.added', { email }))) {
      setEmail('');
      setPassword('');
    }
  };

  const reset = async (event: Event, user: User) => {
    event.preventDefault();
    if (await run(() => api.updateUser(user.id, { password: newPassword }), t('users.passwordSet', { email: user.email }))) {
      setResetFor(null);
      setNewPassword('');
    }
  };

  return (
    <section class="page">
      <h1>{t('users.title')}</h1>
      <StatusMessage notice={message} />
      {users === null ? (
        <p role="status">{t('app.loading')}</p>
      ) : (
        <ul class="rows">
          {users.map((user) => {
            const self = user.id === session.user.id;
            return (
              <li key={user.id} class="row">
                <div class="row-main">
                  <span class="row-title">{user.email}</span>
                  <span class="row-meta">
                    {t('users.since', { date: formatDate(user.createdAt) })}
                    {user.disabledAt !== null && <strong> · {t('users.disabled')}</strong>}
                  </span>
                </div>
                <div class="row-actions">
                  <label>
                    <span class="visually-hidden">{t('users.roleOf', { email: user.email })}</span>
                    <select
                      value={user.role}
                      disabled={self}
                      onChange={(event) => {
                        const next = event.currentTarget.value as Role;
                        void run(() => api.updateUser(user.id, { role: next }), t('users.roleChanged', { email: user.email }));
                      }}
                    >
                      {ROLES.map((choice) => (
                        <option key={choice} value={choice}>
                          {t(`roles.${choice}`)}
                        </option>
                      ))}
                    </select>
                  </label>
                  {!self && (
                    <button
                      type="button"
                      onClick={() =>
                        void run(
                          () => api.updateUser(user.id, { disabled: user.disabledAt === null }),
                          t(user.disabledAt === null ? 'users.disabledDone' : 'users.enabledDone', { email: user.email }),
                        )
                      }
                    >
                      {user.disabledAt === null ? t('users.disable') : t('users.enable')}
                      <span class="visually-hidden"> {user.email}</span>
                    </button>
                  )}
                  <button type="button" aria-expanded={resetFor === user.id} onClick={() => setResetFor(resetFor === user.id ? null : user.id)}>
                    {t('users.setPassword')}
                    <span class="visually-hidden"> {user.email}</span>
                  </button>
                </div>
                {resetFor === user.id && (
                  <form class="inline-form" onSubmit={(event) => void reset(event, user)}>
                    <label for={`password-${user.id}`}>{t('users.newPasswordFor', { email: user.email })}</label>
                    <input id={`password-${user.id}`} type="password" autocomplete="new-password" required minLength={10} value={newPassword} onInput={(event) => setNewPassword(event.currentTarget.value)} />
                    <button type="submit" class="button-primary">
                      {t('users.savePassword')}
                    </button>
                  </form>
                )}
              </li>
            );
          })}
        </ul>
      )}
      <form class="stacked card" onSubmit={(event) => void add(event)}>
        <h2>{t('users.addTitle')}</h2>
        <label for="new-user-email">{t('users.email')}</label>
        <input id="new-user-email" type="email" required value={email} onInput={(event) => setEmail(event.currentTarget.value)} />
        <label for="new-user-password">{t('users.password')}</label>
        <input id="new-user-password" type="password" autocomplete="new-password" required minLength={10} aria-describedby="new-user-password-hint" value={password} onInput={(event) => setPassword(event.currentTarget.value)} />
        <p id="new-user-password-hint" class="hint">{t('account.hint')}</p>
        <label for="new-user-role">{t('users.role')}</label>
        <select id="new-user-role" value={role} onChange={(event) => setRole(event.currentTarget.value as Role)}>
          {ROLES.map((choice) => (
            <option key={choice} value={choice}>
              {t(`roles.${choice}`)}
            </option>
          ))}
        </select>
        <button type="submit" class="button-primary">
          {t('users.add')}
        </button>
      </form>
    </section>
  );
}

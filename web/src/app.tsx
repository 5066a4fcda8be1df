import { useEffect, useRef, useState } from 'preact/hooks';

import { api, ApiError, useCsrfToken, type Session } from './api';
import { chooseLanguage, LANGUAGES, useTranslation, type Language } from './i18n';
import { hrefOf, useRoute, type Route } from './routes';
import { AccountScreen } from './screens/account';
import { LibraryScreen } from './screens/library';
import { PagesScreen } from './screens/pages';
import { SignInScreen } from './screens/sign-in';
import { TokensScreen } from './screens/tokens';
import { TrashScreen } from './screens/trash';
import { UsersScreen } from './screens/users';

type SessionState = { readonly kind: 'loading' } | { readonly kind: 'signed-out' } | { readonly kind: 'signed-in'; readonly session: Session };

export function App() {
  const { t } = useTranslation();
  const [state, setState] = useState<SessionState>({ kind: 'loading' });

  const signedIn = (session: Session) => {
    useCsrfToken(session.csrfToken);
    setState({ kind: 'signed-in', session });
  };

  useEffect(() => {
    api.getSession().then(signedIn, (error: unknown) => {
      if (!(error instanceof ApiError)) console.error(error);
      setState({ kind: 'signed-out' });
    });
  }, []);

  if (state.kind === 'loading') return <p class="loading" role="status">{t('app.loading')}</p>;
  if (state.kind === 'signed-out') return <SignInScreen onSignedIn={signedIn} />;
  return (
    <Shell
      session={state.session}
      onSignedOut={() => {
        useCsrfToken(null);
        setState({ kind: 'signed-out' });
      }}
    />
  );
}

interface ShellProps {
  readonly session: Session;
  readonly onSignedOut: () => void;
}

function Shell({ session, onSignedOut }: ShellProps) {
  const { t } = useTranslation();
  const route = useRoute();
  const main = useRef<HTMLElement>(null);
  const isAdmin = session.user.role === 'admin';
  // An editor who follows a link to an admin screen lands on the library instead.
  const screen: Route = !isAdmin && (route.screen === 'users' || route.screen === 'tokens') ? { screen: 'library' } : route;

  const firstScreen = useRef(true);
  // After a change of screen, focus moves to the new content, as a page load would; not on the first load.
  useEffect(() => {
    if (firstScreen.current) {
      firstScreen.current = false;
      return;
    }
    main.current?.focus();
  }, [screen.screen]);

  const signOut = async () => {
    try {
      await api.signOut();
    } finally {
      onSignedOut();
    }
  };

  const links: { route: Route; label: string }[] = [
    { route: { screen: 'library' }, label: t('nav.library') },
    { route: { screen: 'pages' }, label: t('nav.pages') },
    { route: { screen: 'trash' }, label: t('nav.trash') },
    ...(isAdmin
      ? [
          { route: { screen: 'users' } as Route, label: t('nav.users') },
          { route: { screen: 'tokens' } as Route, label: t('nav.tokens') },
        ]
      : []),
    { route: { screen: 'account' }, label: t('nav.account') },
  ];

  return (
    <div class="shell">
      <a class="skip-link" href="#main">
        {t('nav.skip')}
      </a>
      <header class="top-bar">
        <a class="brand" href="#/">
          {t('app.name')}
        </a>
        <nav aria-label={t('nav.label')}>
          <ul>
            {links.map((link) => (
              <li key={link.route.screen}>
                <a href={hrefOf(link.route)} aria-current={link.route.screen === screen.screen ? 'page' : undefined}>
                  {link.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="top-bar-tools">
          <LanguageSwitch />
          <span class="who" title={session.user.email}>
            {session.user.email}
          </span>
          <button type="button" class="button-quiet" onClick={() => void signOut()}>
            {t('nav.signOut')}
          </button>
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {screen.screen === 'library' && <LibraryScreen session={session} openMediaId={screen.mediaId} />}
        {screen.screen === 'pages' && <PagesScreen session={session} openPageId={screen.pageId} />}
        {screen.screen === 'trash' && <TrashScreen session={session} />}
        {screen.screen === 'users' && <UsersScreen session={session} />}
        {screen.screen === 'tokens' && <TokensScreen />}
        {screen.screen === 'account' && <AccountScreen />}
      </main>
    </div>
  );
}

export function LanguageSwitch() {
  const { t, language } = useTranslation();
  return (
    <label class="language">
      <span class="visually-hidden">{t('language.label')}</span>
      <select value={language} onChange={(event) => void chooseLanguage(event.currentTarget.value as Language)}>
        {LANGUAGES.map((code) => (
          <option key={code} value={code} lang={code}>
            {t(`language.${code}`)}
          </option>
        ))}
      </select>
    </label>
  );
}

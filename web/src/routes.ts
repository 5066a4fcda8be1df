import { useEffect, useState } from 'preact/hooks';

/** Screens of the interface; the address keeps them in the fragment (#/trash) so reloads and links work. */
export type Route =
  | { readonly screen: 'library'; readonly mediaId?: string }
  | { readonly screen: 'pages'; readonly pageId?: string }
  | { readonly screen: 'trash' }
  | { readonly screen: 'users' }
  | { readonly screen: 'tokens' }
  | { readonly screen: 'account' };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter((part) => part !== '');
  switch (parts[0]) {
    case 'media':
      return parts[1] === undefined ? { screen: 'library' } : { screen: 'library', mediaId: decodeURIComponent(parts[1]) };
    case 'pages':
      return parts[1] === undefined ? { screen: 'pages' } : { screen: 'pages', pageId: decodeURIComponent(parts[1]) };
    case 'trash':
      return { screen: 'trash' };
    case 'users':
      return { screen: 'users' };
    case 'tokens':
      return { screen: 'tokens' };
    case 'account':
      return { screen: 'account' };
    default:
      return { screen: 'library' };
  }
}

export function hrefOf(route: Route): string {
  if (route.screen === 'library') return route.mediaId === undefined ? '#/' : `#/media/${encodeURIComponent(route.mediaId)}`;
  if (route.screen === 'pages' && route.pageId !== undefined) return `#/pages/${encodeURIComponent(route.pageId)}`;
  return `#/${route.screen}`;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}

export function navigate(route: Route): void {
  location.hash = hrefOf(route);
}

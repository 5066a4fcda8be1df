import type { MediaRow } from '../db/schema.js';
import type { Principal } from './principal.js';

/** Actions that need a right; the HTTP layer names them in 403 messages. */
export type Action = 'upload media' | 'edit media' | 'manage users' | 'purge media' | 'publish pages' | 'manage API tokens';

/**
 * Every access decision in one place, so group spaces can replace this policy without touching routes.
 * First version: admins and editors read and change every media; private media are readable by them only;
 * only admins manage users and tokens.
 */
export const accessPolicy = {
  canReadMedia(principal: Principal | null, media: Pick<MediaRow, 'visibility' | 'trashed_at'>): boolean {
    if (media.trashed_at !== null) return false;
    if (media.visibility === 'public') return true;
    return principal !== null;
  },

  can(principal: Principal, action: Action): boolean {
    switch (action) {
      case 'upload media':
      case 'edit media':
      case 'publish pages':
        return principal.role === 'admin' || principal.role === 'editor';
      case 'manage users':
      case 'purge media':
      case 'manage API tokens':
        return principal.role === 'admin';
    }
  },
};

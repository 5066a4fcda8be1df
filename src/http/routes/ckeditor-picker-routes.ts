import type { FastifyInstance } from 'fastify';

import { VitrailError } from '../../errors/catalogue.js';
import { loadPickerAssets, pickerContentSecurityPolicy, renderPickerPage } from '../../integrations/ckeditor4-picker.js';
import type { Ckeditor4Query } from '../../integrations/ckeditor4.js';
import type { PublicLinks } from '../../media/public-links.js';

export interface PickerRoutesOptions {
  readonly links: PublicLinks;
  readonly corsOrigins: readonly string[];
}

/** The picker's files change only with a new release, so browsers keep them a few minutes. */
const ASSET_CACHE_CONTROL = 'public, max-age=300';

/**
 * CKEditor 4's browse page (its `filebrowserImageBrowseUrl`), the picker's script and style, and the
 * receiver script that the CiviCRM site loads to take the picker's choice.
 */
export async function ckeditorPickerRoutes(app: FastifyInstance, options: PickerRoutesOptions): Promise<void> {
  const assets = await loadPickerAssets();

  app.get<{ Querystring: Ckeditor4Query }>(
    '/ckeditor4/browse',
    { schema: { tags: ['integrations'], summary: 'CKEditor 4 image picker page (French)' } },
    async (request, reply) => {
      const funcNum = request.query.CKEditorFuncNum ?? '';
      if (!/^\d{1,10}$/.test(funcNum)) {
        throw new VitrailError('VITRAIL_VALIDATION_FAILED', {
          reason: 'CKEditorFuncNum must be the number CKEditor 4 adds when it opens its browse URL',
        });
      }
      const page = renderPickerPage({ funcNum, origins: options.corsOrigins });
      return reply
        .type('text/html; charset=utf-8')
        .header('content-security-policy', pickerContentSecurityPolicy(new URL(options.links.base).origin))
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'no-store')
        .send(page);
    },
  );

  const asset = (url: string, type: string, content: string) =>
    app.get(url, { schema: { hide: true } }, async (_request, reply) =>
      reply.type(type).header('cache-control', ASSET_CACHE_CONTROL).header('x-content-type-options', 'nosniff').send(content),
    );
  asset('/ckeditor4/browse.js', 'text/javascript; charset=utf-8', assets.pickerScript);
  asset('/ckeditor4/browse.css', 'text/css; charset=utf-8', assets.pickerStyle);
  asset('/ckeditor4/receiver.js', 'text/javascript; charset=utf-8', assets.receiverScript);
}

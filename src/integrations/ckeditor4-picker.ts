import { readFile } from 'node:fs/promises';

/** Files of the picker and of the script that receives its choice, served as they are. */
export interface PickerAssets {
  readonly pickerScript: string;
  readonly pickerStyle: string;
  readonly receiverScript: string;
}

const ASSETS_DIRECTORY = new URL('../../../assets/integrations/', import.meta.url);

/** Reads the picker's files from the assets folder of the installed package. */
export async function loadPickerAssets(): Promise<PickerAssets> {
  const read = (name: string) => readFile(new URL(name, ASSETS_DIRECTORY), 'utf8');
  const [pickerScript, pickerStyle, receiverScript] = await Promise.all([
    read('ckeditor4-picker.js'),
    read('ckeditor4-picker.css'),
    read('ckeditor4-receiver.js'),
  ]);
  return { pickerScript, pickerStyle, receiverScript };
}

export interface PickerPage {
  /** CKEditor 4's callback number, from `CKEditorFuncNum`: digits only. */
  readonly funcNum: string;
  /** Origins the choice is posted to: the configured CiviCRM sites. */
  readonly origins: readonly string[];
}

/**
 * Content Security Policy of the picker: its own script and style only, images from Vitrail's public URL,
 * no framing, so a page of another site cannot wrap it to make a user click.
 */
export function pickerContentSecurityPolicy(publicOrigin: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' ${publicOrigin}`,
    "connect-src 'self'",
    "form-action 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Renders the picker page, in French; the script reads its settings from the body's data attributes. */
export function renderPickerPage(page: PickerPage): string {
  return `<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Médiathèque Vitrail</title>
<link rel="stylesheet" href="browse.css">
</head>
<body data-origins="${escapeAttribute(JSON.stringify(page.origins))}" data-func-num="${escapeAttribute(page.funcNum)}">
<h1>Choisir une image dans la médiathèque</h1>
<p id="sign-in-hint" hidden>Connectez-vous à <a href="/" target="_blank" rel="noopener">Vitrail</a> dans un autre onglet puis rouvrez cette fenêtre, ou saisissez un jeton d'API.</p>
<form id="token-form" hidden>
<label for="token">Jeton d'API Vitrail (gardé le temps de cet onglet)</label>
<input id="token" type="password" autocomplete="off" required>
<button type="submit">Ouvrir la médiathèque</button>
</form>
<section id="library" hidden>
<form id="search-form" role="search">
<input id="search" type="search" placeholder="Rechercher par nom" aria-label="Rechercher par nom">
<button type="submit">Rechercher</button>
<label class="upload">Envoyer une image<input id="upload" type="file" accept="image/*"></label>
</form>
<ul id="grid" class="grid"></ul>
</section>
<p id="status" class="status" role="status" aria-live="polite"></p>
<script src="browse.js"></script>
</body>
</html>
`;
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

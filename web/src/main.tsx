import { render } from 'preact';

import { App } from './app';
import { installDropGuard } from './file-drop';
import { setUpTranslations } from './i18n';
import './styles.css';

await setUpTranslations();
installDropGuard();
const root = document.getElementById('app');
if (root !== null) render(<App />, root);

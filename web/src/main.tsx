import { render } from 'preact';

import { App } from './app';
import { setUpTranslations } from './i18n';
import './styles.css';

await setUpTranslations();
const root = document.getElementById('app');
if (root !== null) render(<App />, root);

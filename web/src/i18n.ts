import i18next from 'i18next';
import { useEffect, useState } from 'preact/hooks';

import en from './locales/en.json';
import fr from './locales/fr.json';

export type Language = 'fr' | 'en';
export const LANGUAGES: readonly Language[] = ['fr', 'en'];

const STORAGE_KEY = 'vitrail.language';

/** Picks the user's saved choice, else the first browser language the interface has, else French. */
function initialLanguage(): Language {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (stored === 'fr' || stored === 'en') return stored;
  for (const tag of navigator.languages) {
    const primary = tag.toLowerCase().split('-')[0];
    if (primary === 'fr' || primary === 'en') return primary;
  }
  return 'fr';
}

export async function setUpTranslations(): Promise<void> {
  await i18next.init({
    lng: initialLanguage(),
    fallbackLng: 'fr',
    resources: { fr: { translation: fr }, en: { translation: en } },
    interpolation: { escapeValue: false },
    returnNull: false,
    // i18next otherwise prints a sponsor's notice in the browser console.
    showSupportNotice: false,
  });
  applyLanguage();
  i18next.on('languageChanged', applyLanguage);
}

function applyLanguage(): void {
  document.documentElement.lang = i18next.language;
  document.title = i18next.t('app.title');
}

export async function chooseLanguage(language: Language): Promise<void> {
  localStorage.setItem(STORAGE_KEY, language);
  await i18next.changeLanguage(language);
}

/** Returns the translation function, and renders the component again when the language changes. */
export function useTranslation(): { t: typeof i18next.t; language: Language } {
  const [language, setLanguage] = useState(i18next.language as Language);
  useEffect(() => {
    const update = (next: string) => setLanguage(next as Language);
    i18next.on('languageChanged', update);
    return () => i18next.off('languageChanged', update);
  }, []);
  return { t: i18next.t, language };
}

export const t = (key: string, options?: Record<string, unknown>): string => i18next.t(key, options);

/**
 * Kinds of personal data the page check looks for, with the labels and advice the web interface shows.
 * This module imports nothing, so the interface can bundle it as it is.
 */
export const FINDING_KINDS = [
  'civicrm-token',
  'contact-checksum',
  'civicrm-tracking-link',
  'email-address',
  'phone-number',
  'iban',
] as const;

export type FindingKind = (typeof FINDING_KINDS)[number];

export interface FindingLabel {
  readonly label: string;
  readonly advice: string;
}

export const FINDING_LABELS: Readonly<Record<'fr' | 'en', Readonly<Record<FindingKind, FindingLabel>>>> = {
  fr: {
    'civicrm-token': {
      label: 'Jeton CiviCRM non remplacé',
      advice: 'Le mailing a été exporté avant la fusion des jetons : retirez le jeton ou remplacez-le par un texte valable pour tous.',
    },
    'contact-checksum': {
      label: 'Lien personnel avec somme de contrôle (cid et cs)',
      advice: "Ce lien ouvre la fiche d'un contact sans mot de passe : remplacez-le par le lien générique du formulaire.",
    },
    'civicrm-tracking-link': {
      label: 'Lien de suivi ou de désinscription propre à un destinataire',
      advice: "Ce lien identifie un destinataire : retirez-le de la version en ligne ou remplacez-le par l'adresse de la page.",
    },
    'email-address': {
      label: 'Adresse e-mail',
      advice: "Vérifiez qu'il s'agit d'une adresse publique (celle de la paroisse, par exemple) et non de celle d'un destinataire.",
    },
    'phone-number': {
      label: 'Numéro de téléphone',
      advice: "Vérifiez qu'il s'agit d'un numéro public (secrétariat, accueil) et non de celui d'une personne.",
    },
    iban: {
      label: 'IBAN',
      advice: "Vérifiez qu'il s'agit du compte de l'organisation, destiné à être publié.",
    },
  },
  en: {
    'civicrm-token': {
      label: 'Unrendered CiviCRM token',
      advice: 'The mailing was exported before tokens were merged: remove the token or replace it with text that fits every reader.',
    },
    'contact-checksum': {
      label: 'Personal link with a contact checksum (cid and cs)',
      advice: "This link opens a contact's record without a password: replace it with the form's generic link.",
    },
    'civicrm-tracking-link': {
      label: 'Tracking or unsubscribe link of one recipient',
      advice: 'This link identifies a recipient: remove it from the web version or point it to the page itself.',
    },
    'email-address': {
      label: 'E-mail address',
      advice: "Check that it is a public address (the parish's, say) and not a recipient's.",
    },
    'phone-number': {
      label: 'Phone number',
      advice: 'Check that it is a public number (office, front desk) and not a person’s.',
    },
    iban: {
      label: 'IBAN',
      advice: "Check that it is the organisation's own account, meant to be published.",
    },
  },
};

/** The outcome of an action, shown to the person who asked for it. The kind 'info' reports that nothing changed. */
export interface StatusNotice {
  readonly kind: 'error' | 'success' | 'info';
  readonly text: string;
}

/**
 * Renders the live region where a screen reports the outcome of an action. Screen readers announce a
 * success politely and an error at once, as an alert.
 */
export function StatusMessage({ notice, className }: { readonly notice: StatusNotice | null; readonly className?: string }) {
  return (
    <div class={className} aria-live="polite">
      {notice !== null && (
        <p class={notice.kind} role={notice.kind === 'error' ? 'alert' : undefined}>
          {notice.text}
        </p>
      )}
    </div>
  );
}

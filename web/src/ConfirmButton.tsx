import { useState } from 'react';

/**
 * A button for something that cannot be undone, which asks once more in place: "Delete" turns into
 * "Delete for good" and "Keep it".
 */
export function ConfirmButton({
  action,
  subject,
  onConfirm,
}: {
  /** The verb on the button, e.g. "Delete" ("Delete for good" once asked). */
  action: string;
  /** What it acts on, for screen readers ("Delete Phone"). */
  subject: string;
  onConfirm: () => void;
}) {
  const [confirming, setConfirming] = useState(false);
  if (!confirming) {
    return (
      <button
        type="button"
        className="link-button danger"
        aria-label={`${action} ${subject}`}
        onClick={() => setConfirming(true)}
      >
        {action}
      </button>
    );
  }
  return (
    <>
      <button
        type="button"
        className="link-button danger"
        onClick={() => {
          setConfirming(false);
          onConfirm();
        }}
      >
        {action} for good
      </button>
      <button type="button" className="link-button" onClick={() => setConfirming(false)}>
        Keep it
      </button>
    </>
  );
}

import { useState, type ReactNode } from 'react';
import { mapErrors, type ClientError } from '../api/errors';
import { ConfirmDialog } from './ConfirmDialog';
import { FormErrorMessage } from './Form';

/**
 * What `onConfirm` answers: a mutation's result (its `error` keeps the dialog open and is shown
 * in it), `false` to keep it open without a message (the caller shows why, e.g. a field of the
 * dialog), anything else closes it.
 */
export type DangerOutcome = { error?: ClientError | null } | boolean | void;

/**
 * A button that asks before it acts: a destructive or far-reaching action (delete, disable,
 * revoke, end, close, move, switch) opens a modal with what happens, Cancel (focused first) and
 * the confirming button. The confirmation runs `onConfirm`; while it runs the button is busy;
 * an error from the API stays in the dialog.
 */
export function DangerAction({
  label,
  name,
  title,
  confirmLabel,
  onConfirm,
  children,
  small = false,
  tone = 'danger',
  disabled = false,
  confirmDisabled = false,
  fields,
  onOpen,
  onClose,
}: {
  /** The button's text. */
  label: string;
  /** The button's accessible name when its text alone is ambiguous in a list ("Delete Initech"). */
  name?: string;
  /** The dialog's title, a question ("Delete Initech?"). */
  title: string;
  confirmLabel: string;
  onConfirm: () => Promise<DangerOutcome>;
  /** What happens, in the dialog's body (and any field the confirmation needs). */
  children?: ReactNode;
  small?: boolean;
  /** `plain` for a reversible change that still asks first (a switch of mode, an import). */
  tone?: 'danger' | 'plain';
  disabled?: boolean;
  /** Keeps the confirming button disabled (e.g. until an account id is typed out). */
  confirmDisabled?: boolean;
  /** API fields the dialog shows next to its own fields: their errors are not repeated above. */
  fields?: Readonly<Record<string, string>>;
  onOpen?: () => void;
  /** After Cancel or a successful confirmation. */
  onClose?: () => void;
}) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ClientError | null>(null);
  const close = () => {
    setOpen(false);
    setError(null);
    onClose?.();
  };

  async function confirm() {
    setBusy(true);
    setError(null);
    try {
      const outcome = await onConfirm();
      if (outcome === false) return;
      if (typeof outcome === 'object' && outcome?.error) {
        setError(outcome.error);
        return;
      }
      close();
    } finally {
      setBusy(false);
    }
  }

  const classes = [small && 'small', tone === 'danger' && 'danger'].filter(Boolean).join(' ');
  return (
    <>
      <button
        type="button"
        className={classes || undefined}
        aria-label={name}
        disabled={disabled}
        onClick={() => {
          setError(null);
          onOpen?.();
          setOpen(true);
        }}
      >
        {label}
      </button>
      {open && (
        <ConfirmDialog
          title={title}
          confirmLabel={confirmLabel}
          busy={busy || confirmDisabled}
          tone={tone}
          error={<FormErrorMessage error={mapErrors(error, fields ?? {}).form} />}
          onConfirm={() => void confirm()}
          onCancel={close}
        >
          {children}
        </ConfirmDialog>
      )}
    </>
  );
}

import { useId } from 'react';

/** The password and second-factor code a grave change asks for again (turning 2FA off, deleting the account). */
export function ReauthenticationFields({
  password,
  code,
  codeLabel,
  codeRequired,
  onPassword,
  onCode,
}: {
  password: string;
  code: string;
  codeLabel: string;
  codeRequired: boolean;
  onPassword: (password: string) => void;
  onCode: (code: string) => void;
}) {
  const id = useId();
  return (
    <>
      <div className="field">
        <label htmlFor={`${id}-password`}>Password</label>
        <input
          id={`${id}-password`}
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => onPassword(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-code`}>{codeLabel}</label>
        <input
          id={`${id}-code`}
          type="text"
          autoComplete="one-time-code"
          required={codeRequired}
          value={code}
          onChange={(e) => onCode(e.target.value)}
        />
      </div>
    </>
  );
}

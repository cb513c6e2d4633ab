import { useEffect, useState } from 'react';
import { api } from '../api';
import { followLink } from '../router';

/** "Forgot password?" on the sign-in form, only when the server can mail a reset link. */
export function ForgotPasswordLink() {
  const [available, setAvailable] = useState(false);
  useEffect(() => {
    api
      .passwordResetAvailable()
      .then((answer) => setAvailable(answer.available))
      .catch(() => setAvailable(false));
  }, []);
  if (!available) return null;
  return (
    <p className="small auth-aside">
      <a href="/forgot-password" onClick={followLink}>
        Forgot password?
      </a>
    </p>
  );
}

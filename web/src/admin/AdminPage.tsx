import { useState } from 'react';
import type { User } from '../api';
import { AuditSection } from './AuditSection';
import { HealthSection } from './HealthSection';
import { InvitesSection } from './InvitesSection';
import { UsersSection } from './UsersSection';

const TABS = [
  { id: 'users', label: 'Users' },
  { id: 'invites', label: 'Invitations' },
  { id: 'health', label: 'Health' },
  { id: 'audit', label: 'Audit log' },
] as const;
type Tab = (typeof TABS)[number]['id'];

/** The admin console: accounts, invitations, the instance's health and the audit log (admins only). */
export function AdminPage({ user, onSessionEnded }: { user: User; onSessionEnded: () => void }) {
  const [tab, setTab] = useState<Tab>('users');
  if (user.role !== 'admin') {
    return (
      <section className="card">
        <h1>Admin</h1>
        <p className="notice">Only an administrator may open the admin console.</p>
      </section>
    );
  }
  return (
    <section className="card admin-page" aria-labelledby="admin-title">
      <h1 id="admin-title">Admin</h1>
      <div className="tabs" role="tablist" aria-label="Admin console">
        {TABS.map((each) => (
          <button
            key={each.id}
            type="button"
            role="tab"
            id={`admin-tab-${each.id}`}
            aria-selected={tab === each.id}
            aria-controls="admin-panel"
            onClick={() => setTab(each.id)}
          >
            {each.label}
          </button>
        ))}
      </div>
      <div id="admin-panel" role="tabpanel" aria-labelledby={`admin-tab-${tab}`}>
        {tab === 'users' && <UsersSection me={user} onSessionEnded={onSessionEnded} />}
        {tab === 'invites' && <InvitesSection onSessionEnded={onSessionEnded} />}
        {tab === 'health' && <HealthSection onSessionEnded={onSessionEnded} />}
        {tab === 'audit' && <AuditSection onSessionEnded={onSessionEnded} />}
      </div>
    </section>
  );
}

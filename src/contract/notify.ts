/**
 * Guard alerts of an incident (issue 13), as `GET /api/incidents/:id/notifications` answers them:
 * one per channel of the site's guard group, never with the channel's URL or secret.
 */
export interface IncidentNotification {
  /** The channel id from hub.yaml `notify.groups.<group>.channels[].id`. */
  channel: string;
  guardGroup: string;
  /** pending: waiting for its first try or a retry; sent: the service accepted it; failed: given up. */
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  /** Why the last try failed (an HTTP status, an errcode, a socket error code); null after success. */
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
  /** When it is tried next (pending only). */
  nextAttemptAt: string | null;
}

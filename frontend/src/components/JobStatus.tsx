import { useEffect, useRef } from 'react';
import { Link } from 'react-router';
import { isFinished, useJobWatch } from '../api/jobs';
import type { JobFieldsFragment } from '../generated/graphql';
import { useI18n } from '../i18n';

const STATE_CLASS = { QUEUED: 'status-none', RUNNING: 'status-warn', SUCCEEDED: 'status-on', FAILED: 'status-off' } as const;

export function JobStateBadge({ state }: { state: JobFieldsFragment['state'] }) {
  const { t } = useI18n();
  return <span className={`badge ${STATE_CLASS[state]}`}>{t(`jobState.${state}`)}</span>;
}

/**
 * A job's state, progress and error, read out as it changes; with `details` (the default), a link
 * to the job's page (end customers have no jobs pages).
 */
export function JobStatus({ job, title, details = true }: { job: JobFieldsFragment; title: string; details?: boolean }) {
  const { t } = useI18n();
  return (
    <div className="card job-status" role="status" aria-live="polite" data-testid="job-status">
      <h2>{title}</h2>
      <p>
        <JobStateBadge state={job.state} /> {job.progress && <span>{job.progress}</span>}
        {(job.state === 'QUEUED' || job.state === 'RUNNING') && <span className="spinner" aria-hidden="true" />}
      </p>
      {job.lastError && <p className="field-error">{job.lastError}</p>}
      <p className="muted small">
        {t('jobs.attempts', { attempts: job.attempts, max: job.maxAttempts })}
        {details && (
          <>
            {' '}
            · <Link to={`/jobs/${job.id}`}>{t('jobs.details')}</Link>
          </>
        )}
      </p>
    </div>
  );
}

/** Shows a job as it runs; calls `onFinished` once when it ends. */
export function WatchedJob({ job, title, details, onFinished }: { job: JobFieldsFragment; title: string; details?: boolean; onFinished: () => void }) {
  const current = useJobWatch(job.id, job);
  const finished = current ? isFinished(current) : false;
  const callback = useRef(onFinished);
  callback.current = onFinished;
  useEffect(() => {
    if (finished) callback.current();
  }, [finished]);
  return current ? <JobStatus job={current} title={title} details={details} /> : null;
}

import { useEffect, useState } from 'react';
import { useClient } from 'urql';
import { JobDocument, type JobFieldsFragment } from '../generated/graphql';

export const POLL_MS = 1000;

export function isFinished(job: Pick<JobFieldsFragment, 'state'>): boolean {
  return job.state === 'SUCCEEDED' || job.state === 'FAILED';
}

/** Follows a job: asks for it every second until it succeeds or fails. */
export function useJobWatch(jobId: string | null, initial?: JobFieldsFragment | null): JobFieldsFragment | null {
  const client = useClient();
  const [job, setJob] = useState<JobFieldsFragment | null>(initial ?? null);
  useEffect(() => {
    if (!jobId) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      const result = await client.query(JobDocument, { id: jobId }, { requestPolicy: 'network-only' }).toPromise();
      if (stopped) return;
      const current = result.data?.job;
      if (current) setJob(current);
      if (!current || !isFinished(current)) timer = setTimeout(() => void poll(), POLL_MS);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [client, jobId]);
  return job;
}

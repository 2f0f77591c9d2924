import { useState } from "react";
import { Link, useParams } from "react-router";
import { useJobWatch } from "../api/jobs";
import { useAllPayers } from "../api/payers";
import { usePagedList } from "../api/usePagedList";
import { JobStateBadge } from "../components/JobStatus";
import {
  ListStates,
  LoadingState,
  LoadMore,
  TableHead,
} from "../components/States";
import { usePageTitle } from "../components/usePageTitle";
import { JobsDocument, type JobState } from "../generated/graphql";
import { useI18n } from "../i18n";
import { codeLabel } from "../i18n/codes";
import { formatDateTime } from "../lib/format";

const STATES: JobState[] = ["QUEUED", "RUNNING", "SUCCEEDED", "FAILED"];

export function JobsPage() {
  const { t, lang } = useI18n();
  usePageTitle(t("jobs.title"));
  const [state, setState] = useState<JobState | "">("");
  const payers = useAllPayers();
  const payerName = new Map(payers.nodes.map((p) => [p.id, p.name]));
  const list = usePagedList(JobsDocument, (d) => d.jobs, {
    variables: { filter: state ? { state } : null },
  });
  // Only platform staff get worker names from the API; nobody else sees the column.
  const showWorker = list.nodes.some((job) => job.worker);
  return (
    <section aria-labelledby="jobs-title">
      <div className="page-head">
        <div>
          <h1 id="jobs-title">{t("jobs.title")}</h1>
          <p className="intro">{t("jobs.intro")}</p>
        </div>
        <div className="row-actions">
          <div className="field inline">
            <label htmlFor="job-state">{t("common.status")}</label>
            <select
              id="job-state"
              value={state}
              onChange={(e) => setState(e.target.value as JobState | "")}
            >
              <option value="">{t("common.all")}</option>
              {STATES.map((s) => (
                <option key={s} value={s}>
                  {t(`jobState.${s}`)}
                </option>
              ))}
            </select>
          </div>
          <button type="button" onClick={list.reload}>
            {t("common.refresh")}
          </button>
        </div>
      </div>
      <ListStates
        loading={list.loading}
        error={list.error}
        empty={list.nodes.length === 0}
        emptyText={t("jobs.empty")}
        onRetry={list.reload}
      >
        <table className="table">
          <TableHead
            columns={[
              t("jobs.kind"),
              t("common.status"),
              t("jobs.payer"),
              t("jobs.progress"),
              ...(showWorker ? [t("jobs.worker")] : []),
              t("common.created"),
              t("jobs.finished"),
            ]}
          />
          <tbody>
            {list.nodes.map((job) => (
              <tr key={job.id} data-testid="job-row">
                <th scope="row">
                  <Link to={`/jobs/${job.id}`}>
                    {codeLabel(t, "jobKind", job.kind)}
                  </Link>{" "}
                  <code className="muted small">{job.kind}</code>
                </th>
                <td>
                  <JobStateBadge state={job.state} />
                </td>
                <td>
                  {job.payerId
                    ? (payerName.get(job.payerId) ?? job.payerId)
                    : "—"}
                </td>
                <td>
                  {job.progress}
                  {job.lastError && (
                    <div className="field-error">{job.lastError}</div>
                  )}
                </td>
                {showWorker && (
                  <td>
                    <code className="small" data-testid="job-worker">
                      {job.worker ?? "—"}
                    </code>
                  </td>
                )}
                <td>{formatDateTime(job.createdAt, lang)}</td>
                <td>
                  {job.finishedAt ? formatDateTime(job.finishedAt, lang) : "—"}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <LoadMore list={list} />
      </ListStates>
    </section>
  );
}

export function JobDetailPage() {
  const { t, lang } = useI18n();
  const { id = "" } = useParams();
  const job = useJobWatch(id);
  usePageTitle(
    job
      ? t("jobs.detailTitle", { kind: codeLabel(t, "jobKind", job.kind) })
      : t("jobs.title"),
  );
  if (!job) return <LoadingState />;
  return (
    <section aria-labelledby="job-title">
      <p className="crumbs">
        <Link to="/jobs">{t("nav.jobs")}</Link> ›{" "}
        {codeLabel(t, "jobKind", job.kind)}
      </p>
      <h1 id="job-title">
        {t("jobs.detailTitle", { kind: codeLabel(t, "jobKind", job.kind) })}{" "}
        <JobStateBadge state={job.state} />{" "}
        <code className="muted small">{job.kind}</code>
      </h1>
      <div className="card" role="status" aria-live="polite">
        <dl className="facts">
          <dt>{t("jobs.progress")}</dt>
          <dd data-testid="job-progress">{job.progress ?? "—"}</dd>
          <dt>{t("jobs.attemptsLabel")}</dt>
          <dd>
            {t("jobs.attempts", {
              attempts: job.attempts,
              max: job.maxAttempts,
            })}
          </dd>
          <dt>{t("common.created")}</dt>
          <dd>{formatDateTime(job.createdAt, lang)}</dd>
          <dt>{t("jobs.runAt")}</dt>
          <dd>{formatDateTime(job.runAt, lang)}</dd>
          {job.claimedAt && (
            <>
              <dt>{t("jobs.claimedAt")}</dt>
              <dd>{formatDateTime(job.claimedAt, lang)}</dd>
            </>
          )}
          {job.worker && (
            <>
              <dt>{t("jobs.worker")}</dt>
              <dd>
                <code>{job.worker}</code>
              </dd>
            </>
          )}
          <dt>{t("jobs.finished")}</dt>
          <dd>{job.finishedAt ? formatDateTime(job.finishedAt, lang) : "—"}</dd>
          <dt>{t("jobs.error")}</dt>
          <dd className={job.lastError ? "field-error" : undefined}>
            {job.lastError ?? "—"}
          </dd>
        </dl>
        {job.result !== null && job.result !== undefined && (
          <>
            <h2>{t("jobs.result")}</h2>
            <pre className="json">{JSON.stringify(job.result, null, 2)}</pre>
          </>
        )}
      </div>
    </section>
  );
}

/**
 * The sidebar's Models section: registered names, and for an expanded name
 * its versions with aliases, key metrics and verification badge, the
 * actions on each version (verify, download, set an alias, promote,
 * retrain), its drift badge and the alias history. It only renders `RegistryModel`; requests live there.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import {
  Button,
  caretDownIcon,
  caretRightIcon,
  closeIcon,
  ReactWidget,
  UseSignal
} from '@jupyterlab/ui-components';
import React, { useEffect, useRef, useState } from 'react';

import { ErrorView } from '../errors';
import { formatNumber, formatTimestamp, formatWhen } from '../format';
import type { IRegisteredModel } from '../schema';
import { aliasRule, RequestError } from './dialog';
import { referenceProblem } from './packaging';
import type { RegistryModel } from './registry';
import type { IAliasMove, IModelDetail, IModelVersion, IVerification } from './types';
import { DriftBadge, DriftDetails, PromoteForm, RetrainForm } from './lifecycleviews';
import { describeDifference, verificationLabel, verificationSummary } from './verification';

/** Metrics shown on a version's line; the rest are in its package. */
const KEY_METRICS = 3;

export interface IModelsPanelProps {
  registry: RegistryModel;
  trans: TranslationBundle;
  onOpenRun: (runId: string) => void;
}

/** The Models section's content, for the sidebar's accordion. */
export class ModelsPanel extends ReactWidget {
  constructor(private readonly props: IModelsPanelProps) {
    super();
    this.addClass('jp-mlops-ModelsSection');
  }

  protected render(): JSX.Element {
    return (
      <UseSignal signal={this.props.registry.changed}>
        {() => <ModelsView {...this.props} />}
      </UseSignal>
    );
  }
}

function ModelsView(props: IModelsPanelProps): JSX.Element {
  const { registry, trans } = props;
  if (registry.status === 'error' && registry.error) {
    return (
      <ErrorView error={registry.error} trans={trans} onRetry={() => void registry.reload()} />
    );
  }
  // A server without the registry API (null) has no models either.
  const models = registry.models ?? [];
  if (models.length === 0) {
    return (
      <p className="jp-mlops-Empty" data-testid="mlops-no-models">
        {trans.__(
          'No models are registered yet. Runs that fit a model can be packaged and registered from their details page.'
        )}
      </p>
    );
  }
  return (
    <ul className="jp-mlops-Models" data-testid="mlops-models" aria-label={trans.__('Models')}>
      {models.map(model => (
        <ModelItem key={model.name} model={model} {...props} />
      ))}
    </ul>
  );
}

function ModelItem({
  model,
  registry,
  trans,
  onOpenRun
}: IModelsPanelProps & { model: IRegisteredModel }): JSX.Element {
  const expanded = registry.isExpanded(model.name);
  const Caret = expanded ? caretDownIcon.react : caretRightIcon.react;
  const detail = registry.detail(model.name);
  const error = registry.modelError(model.name);
  return (
    <li className="jp-mlops-Model" data-testid="mlops-model" data-model={model.name}>
      <button
        type="button"
        className="jp-mlops-ModelRow"
        aria-expanded={expanded}
        title={model.description ?? undefined}
        onClick={() => void registry.toggle(model.name)}
      >
        <Caret tag="span" className="jp-mlops-Caret" />
        <span className="jp-mlops-RunName">{model.name}</span>
        {model.latest_version !== null && model.latest_version !== undefined && (
          <span className="jp-mlops-Muted">{trans.__('v%1', model.latest_version)}</span>
        )}
        {Object.entries(model.aliases ?? {}).map(([alias, version]) => (
          <span key={alias} className="jp-mlops-Tag" title={trans.__('%1 is version %2', alias, version)}>
            {alias}
          </span>
        ))}
        {model.versions_count !== undefined && (
          <span className="jp-mlops-Muted jp-mlops-Push">
            {trans._n('%1 version', '%1 versions', model.versions_count)}
          </span>
        )}
      </button>
      {expanded && error && (
        <RequestError
          summary={trans.__('Could not load the versions of %1.', model.name)}
          error={error}
          trans={trans}
        />
      )}
      {expanded && !detail && !error && (
        <p className="jp-mlops-Loading" role="status">
          {trans.__('Loading versions…')}
        </p>
      )}
      {expanded && detail && (
        <ModelDetail detail={detail} registry={registry} trans={trans} onOpenRun={onOpenRun} />
      )}
    </li>
  );
}

function ModelDetail({
  detail,
  registry,
  trans,
  onOpenRun
}: IModelsPanelProps & { detail: IModelDetail }): JSX.Element {
  const aliasError = registry.aliasError(detail.name);
  return (
    <div className="jp-mlops-ModelDetail">
      {detail.description && <p className="jp-mlops-Muted">{detail.description}</p>}
      {aliasError && (
        <RequestError
          summary={trans.__('Could not change the aliases of %1.', detail.name)}
          error={aliasError}
          trans={trans}
        />
      )}
      <ul className="jp-mlops-Versions" aria-label={trans.__('Versions of %1', detail.name)}>
        {detail.versions.map(version => (
          <VersionItem
            key={version.version}
            version={version}
            aliases={detail.aliases}
            registry={registry}
            trans={trans}
            onOpenRun={onOpenRun}
          />
        ))}
      </ul>
      <AliasHistory history={detail.alias_history} trans={trans} />
    </div>
  );
}

function VersionItem({
  version,
  aliases,
  registry,
  trans,
  onOpenRun
}: IModelsPanelProps & {
  version: IModelVersion;
  aliases: Record<string, number>;
}): JSX.Element {
  const { name } = version;
  const action = registry.action(name, version.version);
  const failure = registry.actionError(name, version.version);
  const highlighted =
    registry.highlighted?.name === name && registry.highlighted.version === version.version;
  const metrics = Object.entries(version.metrics)
    .sort(([a], [b]) => a.localeCompare(b))
    .slice(0, KEY_METRICS);
  const [aliasOpen, setAliasOpen] = useState(false);
  const [driftOpen, setDriftOpen] = useState(false);
  const [form, setForm] = useState<'promote' | 'retrain' | null>(null);
  const lifecycle = registry.lifecycle;
  const drift = lifecycle?.drift(name, version.version);
  const item = useRef<HTMLLIElement>(null);
  // Brought into view once, when it becomes the highlighted (just registered) version.
  useEffect(() => {
    if (highlighted) {
      item.current?.scrollIntoView({ block: 'nearest' });
    }
  }, [highlighted]);
  return (
    <li
      className={`jp-mlops-Version${highlighted ? ' jp-mod-highlighted' : ''}`}
      data-testid="mlops-model-version"
      data-model={name}
      data-version={version.version}
      ref={item}
    >
      <div className="jp-mlops-VersionLine">
        <b>{trans.__('v%1', version.version)}</b>
        {version.aliases.map(alias => (
          <span key={alias} className="jp-mlops-Tag" data-testid="mlops-version-alias">
            <span>{alias}</span>
            <button
              type="button"
              className="jp-Button jp-mod-minimal"
              title={trans.__('Remove alias %1 from version %2', alias, version.version)}
              aria-label={trans.__('Remove alias %1 from version %2', alias, version.version)}
              onClick={() => void confirmRemoval(registry, version, alias, trans)}
            >
              <closeIcon.react tag="span" />
            </button>
          </span>
        ))}
        <VerificationBadge verification={version.verification} trans={trans} />
        <DriftBadge
          report={drift}
          open={driftOpen}
          onToggle={() => setDriftOpen(!driftOpen)}
          trans={trans}
        />
        <span className="jp-mlops-Muted jp-mlops-Push" title={formatTimestamp(version.created)}>
          {formatWhen(version.created, trans)}
        </span>
      </div>
      <div className="jp-mlops-VersionLine jp-mlops-RunFacts">
        {metrics.map(([metric, value]) => (
          <span key={metric} className="jp-mlops-RunMetric" title={metric}>
            {metric} <b>{formatNumber(value)}</b>
          </span>
        ))}
        <button
          type="button"
          className="jp-mlops-LinkButton"
          title={trans.__('Open run %1', version.run_id)}
          onClick={() => onOpenRun(version.run_id)}
        >
          {trans.__('open run')}
        </button>
        {version.user && (
          <span className="jp-mlops-Muted jp-mlops-User" title={version.user}>
            {version.user}
          </span>
        )}
      </div>
      <div className="jp-mlops-VersionActions">
        <ActionLink
          testId="mlops-verify"
          disabled={action !== null}
          title={trans.__('Rebuild version %1 from its train.py in a clean kernel and compare', version.version)}
          onClick={() => void registry.verify(name, version.version)}
        >
          {trans.__('Verify')}
        </ActionLink>
        <ActionLink
          testId="mlops-download"
          disabled={action === 'downloading'}
          title={trans.__('Download the package of version %1 as a zip', version.version)}
          onClick={() => void registry.download(name, version.version)}
        >
          {trans.__('Download')}
        </ActionLink>
        <ActionLink
          testId="mlops-set-alias"
          expanded={aliasOpen}
          title={trans.__('Set or move an alias to version %1', version.version)}
          onClick={() => setAliasOpen(!aliasOpen)}
        >
          {trans.__('Set alias')}
        </ActionLink>
        {lifecycle && (
          <>
            <ActionLink
              testId="mlops-promote"
              expanded={form === 'promote'}
              title={trans.__('Compare version %1 with an alias behind metric gates, then move the alias', version.version)}
              onClick={() => setForm(form === 'promote' ? null : 'promote')}
            >
              {trans.__('Promote')}
            </ActionLink>
            <ActionLink
              testId="mlops-retrain"
              expanded={form === 'retrain'}
              title={trans.__('Rerun the train.py of version %1 on new data and register the result', version.version)}
              onClick={() => setForm(form === 'retrain' ? null : 'retrain')}
            >
              {trans.__('Retrain')}
            </ActionLink>
          </>
        )}
      </div>
      {lifecycle && drift && driftOpen && (
        <DriftDetails lifecycle={lifecycle} version={version} report={drift} trans={trans} />
      )}
      {lifecycle && form === 'promote' && (
        <PromoteForm lifecycle={lifecycle} version={version} trans={trans} onDone={() => setForm(null)} />
      )}
      {lifecycle && form === 'retrain' && (
        <RetrainForm lifecycle={lifecycle} version={version} trans={trans} onDone={() => setForm(null)} />
      )}
      <VerificationFindings verification={version.verification} trans={trans} />
      {action === 'verifying' && (
        <div className="jp-mlops-Progress" role="status" data-testid="mlops-verify-progress">
          <progress aria-label={trans.__('Verifying')} />
          <span>
            {trans.__('Verifying: running train.py in a clean kernel and comparing metrics, datasets and packages…')}
          </span>
        </div>
      )}
      {failure && (
        <RequestError
          summary={
            failure.action === 'verifying'
              ? trans.__('Version %1 could not be verified.', version.version)
              : trans.__('Version %1 could not be downloaded.', version.version)
          }
          error={failure.error}
          trans={trans}
        />
      )}
      {aliasOpen && (
        <AliasForm
          version={version}
          aliases={aliases}
          registry={registry}
          trans={trans}
          onDone={() => setAliasOpen(false)}
        />
      )}
    </li>
  );
}

/** A version's action, as a text-like button: the sidebar is narrow. */
function ActionLink({
  testId,
  title,
  disabled = false,
  expanded,
  onClick,
  children
}: {
  testId: string;
  title: string;
  disabled?: boolean;
  expanded?: boolean;
  onClick: () => void;
  children: React.ReactNode;
}): JSX.Element {
  return (
    <button
      type="button"
      className="jp-mlops-LinkButton"
      data-testid={testId}
      disabled={disabled}
      aria-expanded={expanded}
      title={title}
      onClick={onClick}
    >
      {children}
    </button>
  );
}

/** Removing an alias breaks whatever loads `NAME@ALIAS`: ask first, as JupyterLab does for deletions. */
async function confirmRemoval(
  registry: RegistryModel,
  version: IModelVersion,
  alias: string,
  trans: TranslationBundle
): Promise<void> {
  const result = await showDialog({
    title: trans.__('Remove alias %1?', alias),
    body: trans.__(
      '%1@%2 will no longer resolve to version %3: whatever loads or serves the model by this alias stops finding it until the alias is set again.',
      version.name,
      alias,
      version.version
    ),
    buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: trans.__('Remove') })]
  });
  if (result.button.accept) {
    await registry.deleteAlias(version.name, alias);
  }
}

function VerificationBadge({
  verification,
  trans
}: {
  verification: IVerification;
  trans: TranslationBundle;
}): JSX.Element {
  const summary = verificationSummary(verification, trans);
  return (
    <span
      className={`jp-mlops-Badge jp-mlops-mod-${verification.status}`}
      data-testid="mlops-verification"
      data-status={verification.status}
      title={summary}
      aria-label={summary}
      role="img"
    >
      {verificationLabel(verification.status, trans)}
    </span>
  );
}

/** What the last verification found, when it found anything. */
function VerificationFindings({
  verification,
  trans
}: {
  verification: IVerification;
  trans: TranslationBundle;
}): JSX.Element | null {
  const differences = verification.differences ?? [];
  if (differences.length === 0 && !verification.error) {
    return null;
  }
  return (
    <ul className="jp-mlops-Differences" data-testid="mlops-verification-findings">
      {verification.error && <li className="jp-mlops-InlineError">{verification.error}</li>}
      {differences.map((difference, index) => (
        <li key={`${difference.kind}-${difference.name}-${index}`}>
          {describeDifference(difference, trans)}
        </li>
      ))}
    </ul>
  );
}

function AliasForm({
  version,
  aliases,
  registry,
  trans,
  onDone
}: {
  version: IModelVersion;
  aliases: Record<string, number>;
  registry: RegistryModel;
  trans: TranslationBundle;
  onDone: () => void;
}): JSX.Element {
  const [alias, setAlias] = useState('');
  const trimmed = alias.trim();
  const problem = trimmed === '' ? 'missing' : referenceProblem(trimmed, 'alias');
  const current = aliases[trimmed] as number | undefined;
  const listId = `jp-mlops-aliases-${version.name}-${version.version}`;
  let hint = '';
  if (problem === 'invalid') {
    hint = aliasRule(trans);
  } else if (current === version.version) {
    hint = trans.__('%1 is already on this version.', trimmed);
  } else if (current !== undefined) {
    hint = trans.__('Moves %1 from version %2 to version %3.', trimmed, current, version.version);
  } else if (trimmed) {
    hint = trans.__('Sets %1 on version %2.', trimmed, version.version);
  }
  const submit = async (): Promise<void> => {
    if (!problem && current !== version.version) {
      if (await registry.setAlias(version.name, trimmed, version.version)) {
        onDone();
      }
    }
  };
  return (
    <form
      className="jp-mlops-AliasForm"
      data-testid="mlops-alias-form"
      onSubmit={event => {
        event.preventDefault();
        void submit();
      }}
    >
      <input
        className="jp-mod-styled"
        list={listId}
        value={alias}
        autoFocus
        maxLength={255}
        placeholder={trans.__('staging, production, …')}
        aria-label={trans.__('Alias for version %1', version.version)}
        onChange={event => setAlias(event.target.value)}
        onKeyDown={event => event.key === 'Escape' && onDone()}
      />
      <datalist id={listId}>
        {Object.keys(aliases).map(name => (
          <option key={name} value={name} />
        ))}
      </datalist>
      <Button
        type="submit"
        className="jp-mod-styled jp-mod-accept"
        small
        disabled={problem !== null || current === version.version}
      >
        {current !== undefined && current !== version.version
          ? trans.__('Move')
          : trans.__('Set')}
      </Button>
      <Button className="jp-mod-styled" small onClick={onDone}>
        {trans.__('Cancel')}
      </Button>
      {hint && (
        <span className={problem ? 'jp-mlops-InlineError' : 'jp-mlops-Muted'} role="status">
          {hint}
        </span>
      )}
    </form>
  );
}

function AliasHistory({
  history,
  trans
}: {
  history: IAliasMove[];
  trans: TranslationBundle;
}): JSX.Element | null {
  if (history.length === 0) {
    return null;
  }
  return (
    <details className="jp-mlops-AliasHistory" data-testid="mlops-alias-history">
      <summary>
        {trans._n('%1 alias change', '%1 alias changes', history.length)}{' '}
        <span className="jp-mlops-Muted">{trans.__('(newest first)')}</span>
      </summary>
      <ol>
        {[...history].reverse().map((move, index) => (
          <li key={`${move.alias}-${move.at}-${index}`}>
            <span className="jp-mlops-Tag">{move.alias}</span> {describeMove(move, trans)}{' '}
            <span className="jp-mlops-Muted" title={formatTimestamp(move.at)}>
              {move.user && (
                <span className="jp-mlops-User" title={move.user}>
                  {move.user}
                </span>
              )}
              {move.user && ' · '}
              {formatWhen(move.at, trans)}
            </span>
          </li>
        ))}
      </ol>
    </details>
  );
}

function describeMove(move: IAliasMove, trans: TranslationBundle): string {
  if (move.to_version === null) {
    return trans.__('removed from v%1', move.from_version ?? '?');
  }
  if (move.from_version === null) {
    return trans.__('set on v%1', move.to_version);
  }
  return trans.__('moved v%1 → v%2', move.from_version, move.to_version);
}

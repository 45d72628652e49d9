"""hybridctl providers check: is every model of the working configs served by
its provider right now?"""

from __future__ import annotations

from hybridctl.app.workspace import Workspace
from hybridctl.config.snapshot import ConfigFiles
from hybridctl.errors import CheckFailed
from hybridctl.remote.models import Provider, ProvidersReport, Wanted, check


def check_providers(workspace: Workspace, *, offline: bool = False) -> ProvidersReport:
    files = ConfigFiles.from_mapping(workspace.read_configs())
    strategy = files.strategy()
    if strategy is None:
        raise CheckFailed(
            f"the model config in {workspace.shown} does not validate",
            hint="hybridctl validate shows why",
        )
    if offline:
        return ProvidersReport([], offline=True)
    raw = files.data("model-config").get("providers") or {}
    providers = [
        Provider(name, str(spec["baseUrl"]), spec.get("apiKeyEnv"))
        for name, spec in raw.items()
        if isinstance(spec, dict) and spec.get("baseUrl")
    ]
    in_use = {model for role in strategy.roles for model in strategy.models_of(role)}
    wanted = [
        Wanted(spec.id, spec.provider, spec.provider_model_id, spec.id in in_use)
        for spec in strategy.models.values()
    ]
    return check(providers, wanted, ca_bundle=workspace.remote.ca_bundle)

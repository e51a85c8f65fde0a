#!/usr/bin/env bash
# The main job on a fresh machine: set up, then watch the codemod fix the demo backend's three
# registration bugs in a scratch copy (the repository itself is not touched): a dotted target
# (the seed), a two-way relationship (an import cycle) and a bare name nothing registers.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
export PIP_DISABLE_PIP_VERSION_CHECK=1

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "== 0. Set-up: a virtualenv in .venv with this package and SQLAlchemy"
if [ ! -x "$repo/.venv/bin/python" ]; then
    python3 -m venv "$repo/.venv"
fi
"$repo/.venv/bin/pip" install -e "$repo[demo]" >"$work/pip.log" 2>&1 || { cat "$work/pip.log"; exit 1; }
python="$repo/.venv/bin/python"
echo
mkdir -p "$work/backend"
cp -r "$repo/backend/core" "$repo/backend/ecommerce" "$repo/backend/saas" "$work/backend/"
fixtures="$repo/backend/tests/fixtures"
cp "$fixtures/saas_models_broken.py" "$work/backend/saas/models.py"
cp "$fixtures/ecommerce_models_broken.py.txt" "$work/backend/ecommerce/models.py"
cp "$fixtures/saas_alerts_broken.py.txt" "$work/backend/saas/alerts.py"
cd "$work"
: >pyproject.toml  # the project root

modules="ecommerce.models saas.models saas.invoices saas.alerts"
alone() {
    for module in $modules; do
        (cd backend && "$python" -c "import importlib, sys
from sqlalchemy.orm import configure_mappers
importlib.import_module(sys.argv[1])
configure_mappers()
print('    ' + sys.argv[1] + ' alone: mappers configured')" "$module" 2>&1 | tail -1 | cut -c1-150 \
            | sed "s/^sqlalchemy/    $module alone: sqlalchemy/") || true
    done
}

echo "== 1. The backend as it was first written: each model module imported alone"
alone

echo
echo "== 2. python -m codemods.fix_relationships backend"
"$python" -m codemods.fix_relationships --diff backend 2>/dev/null || true
"$python" -m codemods.fix_relationships backend 2>&1 || true

echo
echo "== 3. The same imports, after the fix"
alone
for file in ecommerce/models.py saas/models.py saas/alerts.py; do
    cmp -s "backend/$file" "$repo/backend/$file" && echo "    backend/$file is now byte for byte the committed file"
done

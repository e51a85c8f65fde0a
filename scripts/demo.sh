#!/usr/bin/env bash
# The main job on a fresh machine: set up, then watch the codemod fix the demo backend's original
# bug in a scratch copy (the repository itself is not touched).
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
cp "$repo/backend/tests/fixtures/saas_models_broken.py" "$work/backend/saas/models.py"
cd "$work"

configure='import saas.models
from sqlalchemy.orm import configure_mappers
configure_mappers()
print("    saas.models imported alone: mappers configured")'

echo "== 1. The backend as it was: saas/models.py names its target as a dotted path"
grep -n 'relationship(' backend/saas/models.py | sed 's/^/    /'
echo "   Importing saas.models alone and configuring the mappers:"
(cd backend && "$python" -c "$configure" 2>&1 | tail -1 | cut -c1-160 | sed 's/^/    /') || true

echo
echo "== 2. python -m codemods.fix_relationships backend/saas/models.py"
"$python" -m codemods.fix_relationships --diff backend/saas/models.py 2>/dev/null || true
"$python" -m codemods.fix_relationships backend/saas/models.py 2>&1 || true

echo
echo "== 3. The same import, after the fix"
(cd backend && "$python" -c "$configure")

#!/usr/bin/env bash
# Create (or reuse) the Python virtualenv for the Brian2 peer scripts.
# Idempotent: re-running only installs what is missing.
#   PEERS_VENV  venv path (default /work/peers-venv; keep it outside the repo)
#   PYTHON      interpreter to create it with (default python3)
set -euo pipefail

VENV="${PEERS_VENV:-/work/peers-venv}"
PY="${PYTHON:-python3}"

if [ ! -x "$VENV/bin/python" ]; then
    echo "creating venv $VENV"
    "$PY" -m venv "$VENV"
fi

if ! "$VENV/bin/python" -c "import brian2, numpy" >/dev/null 2>&1; then
    "$VENV/bin/pip" install --quiet --upgrade pip
    "$VENV/bin/pip" install --quiet brian2 numpy
    # Python 3.11 only gets Brian2 2.9.0 (2.10 needs Python >= 3.12, 2.11 needs
    # >= 3.13), and 2.9.0 fails to import with NumPy >= 2.4 (ndarray.ptp was
    # removed); pin NumPy below 2.4 if the import still fails.
    if ! "$VENV/bin/python" -c "import brian2" >/dev/null 2>&1; then
        "$VENV/bin/pip" install --quiet "numpy<2.4"
    fi
fi

# C++ standalone mode needs a C++ compiler and make
command -v g++ >/dev/null 2>&1 || command -v c++ >/dev/null 2>&1 || \
    echo "warning: no C++ compiler found (apt-get install g++ make)" >&2
command -v make >/dev/null 2>&1 || echo "warning: make not found (apt-get install make)" >&2

"$VENV/bin/python" -c "import brian2, numpy, sys; print('python', sys.version.split()[0], '| brian2', brian2.__version__, '| numpy', numpy.__version__)"
echo "venv ready: $VENV"

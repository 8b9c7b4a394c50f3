#!/usr/bin/env bash
# Create (or reuse) the Python virtualenvs for the peer scripts.
# Idempotent: re-running only installs what is missing.
#   setup.sh            the Brian2 venv only
#   setup.sh --nest     also the NEST venv (or NEST=1 setup.sh)
#   PEERS_VENV  Brian2 venv path (default /work/peers-venv; keep it outside the repo)
#   NEST_VENV   NEST venv path (default /work/nest-venv; keep it outside the repo)
#   PYTHON      interpreter to create them with (default python3)
set -euo pipefail

WANT_NEST="${NEST:-0}"
for arg in "$@"; do
    case "$arg" in
        --nest) WANT_NEST=1 ;;
        -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
        *) echo "unknown option: $arg (use --nest)" >&2; exit 2 ;;
    esac
done

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

if [ "$WANT_NEST" = "1" ]; then
    NVENV="${NEST_VENV:-/work/nest-venv}"
    if [ ! -x "$NVENV/bin/python" ]; then
        echo "creating venv $NVENV"
        "$PY" -m venv "$NVENV"
    fi
    # PyPI's nest-simulator wheel (3.10 on Python 3.11, Linux x86_64) brings
    # the NEST kernel itself; PYNEST_QUIET hides its start-up banner.
    if ! PYNEST_QUIET=1 "$NVENV/bin/python" -c "import nest, numpy" >/dev/null 2>&1; then
        "$NVENV/bin/pip" install --quiet --upgrade pip
        "$NVENV/bin/pip" install --quiet nest-simulator numpy
    fi
    PYNEST_QUIET=1 "$NVENV/bin/python" -c "import nest, numpy, sys; print('python', sys.version.split()[0], '| nest', nest.__version__, '| numpy', numpy.__version__)"
    echo "venv ready: $NVENV"
fi

"""Property-based tests: arbitrary input to the public functions gives a valid result or a library error.

Each test throws arrays of any dtype, shape and value (NaN, inf, huge,
empty), and odd argument types, at one entry point.  The call must either
return a result that satisfies the documented contract, or raise a
``ValueError``/``TypeError`` *raised by resandi_lite itself* (the innermost
frame of the traceback is in the package): never an error from deep inside
numpy or torch, never a silently wrong result.
"""

import json
import os
import tempfile
import warnings
from pathlib import Path

import numpy as np
import torch
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import resandi_lite as rl  # noqa: E402
from resandi_lite.gradcam import grad_cam  # noqa: E402
from resandi_lite.model import build_model  # noqa: E402

PACKAGE = str(Path(rl.__file__).parent)
FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Weighted towards what almost works (float32, two channels, 1000 points), where wrong results hide.
DTYPES = st.sampled_from(
    [np.float32, np.float32, np.float32, np.float64, np.float16, np.int64, np.int8, np.uint8, np.bool_, np.complex128]
)
VALUES = st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=64), st.integers(-(10**6), 10**6))


def library_error(err: BaseException) -> bool:
    """Whether ``err`` is a ValueError/TypeError whose innermost frame is in resandi_lite."""
    if not isinstance(err, (ValueError, TypeError)):
        return False
    tb = err.__traceback__
    while tb.tb_next is not None:
        tb = tb.tb_next
    return tb.tb_frame.f_code.co_filename.startswith(PACKAGE)


def outcome(call):
    """``call()``, or ``None`` if it raised a library error; any other error fails the test."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # numpy overflow warnings on purpose-made huge values
            return call()
    except Exception as err:
        if library_error(err):
            return None
        raise AssertionError(f"not a library ValueError/TypeError: {type(err).__name__}: {err}") from err


@st.composite
def arrays(draw, shape):
    """An array of any dtype in DTYPES, shape from ``shape``, values anywhere (mostly ordinary)."""
    dtype = np.dtype(draw(DTYPES))
    dims = draw(shape)
    base = np.random.default_rng(draw(st.integers(0, 2**32 - 1))).standard_normal(dims).cumsum(axis=-1)
    if dtype.kind == "b":
        arr = base > 0
    elif dtype.kind in "iu":
        info = np.iinfo(dtype)
        arr = np.clip(base * 3, info.min, info.max).astype(dtype)
    else:
        arr = base.astype(dtype)
    if arr.size and draw(st.booleans()):  # a few extreme values in some examples
        flat = arr.reshape(-1)
        for _ in range(draw(st.integers(1, 3))):
            i = draw(st.integers(0, flat.size - 1))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    flat[i] = draw(VALUES)
                except (OverflowError, ValueError, TypeError):
                    pass  # the value does not fit the dtype
    return arr


CHANNELS = st.sampled_from([2, 2, 2, 1, 3])
TRAJECTORY_SHAPES = st.tuples(st.integers(0, 3), CHANNELS, st.sampled_from([0, 1, 2, 9, 10, 11, 57, 1000, 1001]))
NOISE = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.lists(st.floats(-1, 2), max_size=4), st.just("0.1"), st.none()
)


@FAST
@given(x=arrays(TRAJECTORY_SHAPES), noise=NOISE, as_list=st.booleans())
def test_preprocess(x, noise, as_list):
    X = outcome(lambda: rl.preprocess(list(x) if as_list else x, noise=noise, rng=0))
    if X is not None:
        assert isinstance(X, np.ndarray) and X.dtype == np.float32 and X.shape == (len(x), 2, 1000)
        assert np.all(np.isfinite(X)) and X.min() >= 0 and X.max() <= 1
        assert x.shape[1] == 2 and 10 <= x.shape[2] <= 1000 and np.all(np.isfinite(x))
        assert x.dtype.kind in "iuf"  # booleans and complex numbers are not positions


MODEL = build_model("lite").eval()
NETWORK_SHAPES = st.tuples(st.integers(0, 3), CHANNELS, st.sampled_from([0, 1, 2, 31, 100, 1000, 1000]))


@st.composite
def tensors(draw):
    x = draw(arrays(NETWORK_SHAPES))
    return torch.from_numpy(x) if draw(st.booleans()) else x


@FAST
@given(x=tensors())
def test_forward(x):
    with torch.no_grad():
        logits = outcome(lambda: MODEL(x))
    if logits is not None:
        assert isinstance(x, torch.Tensor) and x.dtype == torch.float32 and x.shape[1] == 2
        assert logits.shape == (x.shape[0], 8) and bool(torch.isfinite(logits).all())


TARGETS = st.one_of(
    st.none(),
    st.integers(-2, 9),
    st.lists(st.integers(-1, 8), max_size=4),
    st.floats(0, 7),
    st.just("BM"),
    st.lists(st.floats(0, 7), min_size=1, max_size=3),
)


@FAST
@given(
    x=tensors(),
    target=TARGETS,
    upsample=st.sampled_from([None, "nearest", "linear", "cubic", 3]),
    batch_size=st.sampled_from([1, 2, 0, -1, 2.5]),
)
def test_grad_cam(x, target, upsample, batch_size):
    maps = outcome(lambda: grad_cam(MODEL, x, target, upsample=upsample, batch_size=batch_size))
    if maps is not None:
        n, length = x.shape[0], x.shape[2]
        assert n >= 1 and maps.dtype == torch.float32 and bool(torch.isfinite(maps).all())
        assert maps.shape[0] == n and (upsample is None or maps.shape == (n, length))
        assert target is None or np.all((0 <= np.asarray(target)) & (np.asarray(target) < 8))


ANY = st.one_of(st.none(), st.booleans(), st.text(max_size=3), st.floats(allow_nan=True), st.integers(-3, 3))


@FAST
@given(
    n=st.one_of(st.integers(-1, 2), ANY),
    length=st.one_of(st.sampled_from(["varying", 10, 30, 1000, 9, 1001, 30.0, "short", True]), ANY),
    noise=NOISE,
    seed=st.one_of(st.integers(-2, 2**64 + 1), ANY),
    classes=st.one_of(
        st.lists(st.sampled_from(["BM", "SupLW", 3, 8, -1, "bm", "Nope", 2.0, None]), max_size=3),
        st.sampled_from(["BM", 5, None, 7.5]),
    ),
    chunk=st.one_of(st.integers(-1, 3), ANY),
    n_jobs=st.sampled_from([1, 0, -2, 1.5, "1", True, None]),
)
def test_make_dataset(n, length, noise, seed, classes, chunk, n_jobs):
    if isinstance(length, (int, np.integer)) and not isinstance(length, bool) and length > 100:
        length = 40 + length % 60  # long trajectories are slow to simulate and add nothing here
    ds = outcome(lambda: rl.make_dataset(n, length, noise, seed, classes, n_jobs=n_jobs, chunk=chunk))
    if ds is not None:
        assert isinstance(n, int) and n >= 1 and len(ds) == n * len(ds.params["classes"])
        assert ds.X.shape == (len(ds), 2, 1000) and ds.X.dtype == np.float32 and np.all(np.isfinite(ds.X))
        assert np.bincount(ds.y, minlength=8)[ds.y].min() == n
        assert ds.params["chunk"] == chunk and ds.params["length"] == length


@st.composite
def dataset_files(draw):
    """The arrays of a dataset file, each maybe broken: wrong dtype, shape, labels, NaN, ranges."""
    n = draw(st.integers(0, 4))
    rng = np.random.default_rng(draw(st.integers(0, 1000)))
    y = rng.integers(0, 8, n)
    lows = np.array([rl.ALPHA_RANGE[c] for c in rl.CLASSES])[y]
    arrays = {
        "X": rng.random((n, 2, 1000)).astype(np.float32),
        "y": y,
        "alpha": lows.mean(axis=1) if n else np.zeros(0),
        "lengths": rng.integers(10, 1001, n),
        "noise": np.zeros(n),
        "minmax": rng.random((n, 2, 2)),
    }
    broken = draw(st.lists(st.sampled_from(sorted(arrays)), max_size=2, unique=True))
    for key in broken:
        kind = draw(st.sampled_from(["value", "dtype", "shape", "drop"]))
        if kind == "drop":
            del arrays[key]
        elif kind == "shape":
            arrays[key] = arrays[key][..., :1] if arrays[key].ndim > 1 else arrays[key][: max(0, n - 1)]
        elif kind == "dtype":
            arrays[key] = arrays[key].astype(draw(st.sampled_from([np.int8, np.float16, np.bool_, np.complex64, "U2"])))
        elif n:
            value = draw(st.sampled_from([np.nan, np.inf, -1, 9, 1e9, 2.5]))
            arrays[key] = arrays[key].astype(np.float64 if key != "X" else np.float32)
            arrays[key].reshape(-1)[draw(st.integers(0, arrays[key].size - 1))] = value
            if key in ("y", "lengths"):
                arrays[key] = arrays[key].astype(np.int64) if np.all(np.isfinite(arrays[key])) else arrays[key]
    params = draw(st.sampled_from(['{"seed": 1}', "[1, 2]", "{not json", '"text"']))
    return arrays, params


@FAST
@given(contents=dataset_files())
def test_load_dataset(contents):
    arrays, params = contents
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "set.npz")
        np.savez(path, **arrays, params=np.array(params))
        ds = outcome(lambda: rl.load_dataset(path))
    if ds is not None:
        assert set(arrays) >= {"X", "y", "alpha", "lengths", "noise"} and isinstance(json.loads(params), dict)
        assert ds.X.shape == (len(ds), 2, 1000) and np.all(np.isfinite(ds.X))
        assert np.all((ds.y >= 0) & (ds.y < 8)) and np.all((ds.lengths >= 10) & (ds.lengths <= 1000))
        assert np.all(np.isfinite(ds.alpha)) and np.all(ds.noise >= 0)


# Attribution, erasure and ground truth: a finite valid input gives a finite result of the documented shape
# (checked both ways: a valid input may not be refused), anything else a library error.

from torch import nn  # noqa: E402

from resandi_lite import erasure, groundtruth  # noqa: E402
from resandi_lite.attribution import attribute, resample  # noqa: E402


class _Tiny(nn.Module):
    """A small classifier (8 classes) with a ``layer4`` that keeps the length: fast enough for many examples."""

    in_channels = 2

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = nn.Conv1d(2, 4, 3, padding=1)
        self.layer4 = nn.Conv1d(4, 4, 3, padding=1)
        self.fc = nn.Linear(4, 8)

    def forward(self, x):
        return self.fc(self.layer4(torch.relu(self.conv(x))).mean(-1))


TINY = _Tiny().eval()
SMALL_SHAPES = st.tuples(st.integers(0, 3), CHANNELS, st.sampled_from([0, 1, 8, 33, 64]))
METHOD_NAMES = st.sampled_from(["gradcam", "saliency", "integrated-gradients", "occlusion"])


def _finite_float(x) -> bool:
    return x.dtype.kind == "f" and bool(np.all(np.isfinite(x)))


def _labels_ok(target, n: int) -> bool:
    t = np.asarray(target)
    return t.dtype.kind in "iu" and (t.ndim == 0 or t.shape == (n,)) and bool(np.all((t >= 0) & (t < 8)))


@st.composite
def inputs(draw):
    """Mostly well-formed network input (float32, two channels, finite), else anything ``arrays`` makes."""
    if draw(st.integers(0, 9)) < 7:
        n, length = draw(st.integers(1, 3)), draw(st.sampled_from([8, 64]))
        return np.random.default_rng(draw(st.integers(0, 99))).random((n, 2, length)).astype(np.float32)
    return draw(arrays(SMALL_SHAPES))


@FAST
@given(x=inputs(), target=TARGETS, method=METHOD_NAMES)
def test_attribution(x, target, method):
    maps = outcome(lambda: attribute(TINY, x, target, method))
    n, length = x.shape[0], x.shape[2]
    valid = (
        x.shape[1] == 2
        and length >= 1
        and _finite_float(x)
        and _labels_ok(target, n)
        and (method != "occlusion" or length >= 50)
        and (method != "gradcam" or n >= 1)
    )
    assert (maps is not None) == valid, (maps, x.dtype, x.shape, target, method)
    if maps is not None:
        assert maps.dtype == np.float64 and maps.shape == (n, length) and np.all(np.isfinite(maps))


ARRAY_2D = st.tuples(st.integers(0, 3), st.sampled_from([0, 1, 4, 32, 40]))


@FAST
@given(
    maps=arrays(ARRAY_2D),
    positions=st.one_of(st.integers(-1, 50), ANY),
    length=st.one_of(st.sampled_from([1, 32, 40, 1000, 0]), ANY),
)
def test_resample(maps, positions, length):
    out = outcome(lambda: resample(maps, positions, length))
    ints = all(isinstance(v, int) and not isinstance(v, bool) for v in (positions, length))
    valid = (
        maps.dtype.kind in "iuf"
        and maps.shape[1] >= 1
        and bool(np.all(np.isfinite(maps)))
        and ints
        and length >= 1
        and 1 <= positions <= length
    )
    assert (out is not None) == valid
    if out is not None:
        assert out.shape == (len(maps), positions) and out.dtype == np.float64 and np.all(np.isfinite(out))


@FAST
@given(
    maps=arrays(ARRAY_2D),
    bands=st.one_of(st.integers(-1, 11), ANY),
    length=st.sampled_from([1000, 40, 3, 2.5]),
    inclusive=st.sampled_from([False, True, 1, None]),
)
def test_band_masks(maps, bands, length, inclusive):
    masks = outcome(lambda: erasure.band_masks(maps, bands, length, inclusive=inclusive))
    valid = (
        maps.dtype.kind in "iuf"
        and maps.shape[1] >= 1
        and bool(np.all(np.isfinite(maps)))
        and isinstance(bands, int)
        and not isinstance(bands, bool)
        and bands >= 1
        and isinstance(length, int)
        and length >= maps.shape[1]
        and isinstance(inclusive, bool)
    )
    assert (masks is not None) == valid
    if masks is not None:
        assert masks.dtype == bool and masks.shape == (bands, *maps.shape)
        assert inclusive or masks.sum(axis=0).max(initial=0) <= 1  # strict bands never share a segment


@FAST
@given(
    x=arrays(SMALL_SHAPES),
    segments=st.sampled_from([1, 4, 8]),
    kind=st.sampled_from([np.bool_, np.bool_, np.int64, np.float64]),
    fill=st.sampled_from(["zero", "interpolate", "mean"]),
)
@example(x=np.array([[[0.125], [-0.132]]], dtype=np.float32), segments=1, kind=np.bool_, fill="interpolate")
def test_erase(x, segments, kind, fill):  # the example erases every position of every row (found by hypothesis)
    masks = (np.random.default_rng(0).random((len(x), segments)) > 0.5).astype(kind)
    out = outcome(lambda: erasure.erase(x, masks, fill=fill))
    valid = x.shape[2] >= 1 and _finite_float(x) and fill != "mean" and kind is not np.float64  # masks: bool or 0/1
    assert (out is not None) == valid
    if out is not None:
        assert out.shape == x.shape and out.dtype == x.dtype and np.all(np.isfinite(out))
        kept = ~masks.astype(bool)[:, erasure.segment_of_position(segments, x.shape[2])]
        assert fill != "zero" or np.all(out[~kept[:, None, :].repeat(x.shape[1], 1)] == 0)


LENGTHS = st.lists(st.one_of(st.integers(-1, 1002), st.sampled_from([10.0, 2.5, np.nan, "10"])), max_size=4)


@FAST
@given(lengths=LENGTHS, n_segments=st.sampled_from([32, 1, 0, 2000, 2.5]))
def test_observed_segments(lengths, n_segments):
    obs = outcome(lambda: erasure.observed_segments(lengths, n_segments))
    arr = np.asarray(lengths, dtype=object)
    valid = (
        all(
            isinstance(v, (int, float)) and not isinstance(v, str) and float(v).is_integer() and 1 <= v <= 1000
            for v in arr
        )
        and isinstance(n_segments, int)
        and 1 <= n_segments <= 1000
    )
    assert (obs is not None) == valid
    if obs is not None:
        assert obs.dtype == bool and obs.shape == (len(lengths), n_segments)


@FAST
@given(
    counts=st.lists(st.one_of(st.integers(-1, 33), st.just(1.5)), max_size=4),
    rng=st.sampled_from([0, None, "abc", -1, 2.5, np.random.default_rng(1)]),
)
def test_random_masks(counts, rng):
    masks = outcome(lambda: erasure.random_masks(np.asarray(counts), 32, rng))
    valid = all(isinstance(c, int) and 0 <= c <= 32 for c in counts) and (
        rng is None or not isinstance(rng, (str, float)) and (not isinstance(rng, int) or rng >= 0)
    )
    assert (masks is not None) == valid
    if masks is not None:
        assert masks.shape == (len(counts), 32) and masks.sum(axis=1).tolist() == list(counts)


@FAST
@given(
    n=st.integers(1, 3),
    y=st.one_of(
        st.lists(st.integers(-1, 9), min_size=1, max_size=3), st.lists(st.floats(0, 7), min_size=1, max_size=3)
    ),
    bands=st.sampled_from([1, 3, 0, 2.5]),
    rng=st.sampled_from([0, "abc", None]),
    maps_kind=st.sampled_from(["ok", "nan", "rows"]),
)
def test_erasure_experiment(n, y, bands, rng, maps_kind):
    X = np.random.default_rng(n).random((n, 2, 64)).astype(np.float32)
    maps = np.random.default_rng(1).random((n + (maps_kind == "rows"), 8))
    if maps_kind == "nan":
        maps[0, 0] = np.nan
    result = outcome(lambda: erasure.erasure_experiment(TINY, X, y, maps=maps, bands=bands, rng=rng))
    valid = (
        _labels_ok(y, n)
        and np.ndim(y) == 1
        and maps_kind == "ok"
        and isinstance(bands, int)
        and bands >= 1
        and not isinstance(rng, str)
    )
    assert (result is not None) == valid
    if result is not None:
        assert result["accuracy"].shape == result["random_accuracy"].shape == (bands,)
        assert np.all((result["accuracy"] >= 0) & (result["accuracy"] <= 1))
        assert result["predictions"].shape == (bands, n)


EVENT_SHAPES = st.tuples(st.integers(0, 3), st.sampled_from([0, 1, 20, 1000]))


@FAST
@given(events=arrays(EVENT_SHAPES), k=st.one_of(st.integers(-1, 5), st.sampled_from([2.5, "3", None, 10**9])))
def test_near_events(events, k):
    near = outcome(lambda: groundtruth.near_events(events, k))
    marks = events.dtype == bool or (events.dtype.kind in "iu" and bool(np.isin(events, (0, 1)).all()))
    valid = marks and isinstance(k, int) and 0 <= k <= max(events.shape[1], 1)
    assert (near is not None) == valid
    if near is not None:
        assert near.dtype == bool and near.shape == events.shape and np.all(near >= events.astype(bool))


@FAST
@given(
    maps=arrays(ARRAY_2D),
    lengths=st.sampled_from(["ok", "long", "zero", "float"]),
    k=st.sampled_from([0, 3, -1, 2.5]),
    seed=st.integers(0, 100),
)
def test_trajectory_scores(maps, lengths, k, seed):
    rng = np.random.default_rng(seed)
    n = len(maps)
    events = rng.random((n, 1000)) < 0.05
    lengths = {
        "ok": rng.integers(10, 1001, n),
        "long": np.full(n, 1001),
        "zero": np.zeros(n, int),
        "float": np.full(n, 20.5),
    }[lengths]
    scores = outcome(lambda: groundtruth.trajectory_scores(maps, events, lengths, k=k))
    valid = (
        maps.dtype.kind in "iuf"
        and maps.shape[1] >= 1
        and bool(np.all(np.isfinite(maps)))
        and (n == 0 or (lengths.dtype.kind == "i" and lengths.min() >= 1 and lengths.max() <= 1000))
        and isinstance(k, int)
        and k >= 0
    )
    assert (scores is not None) == valid, (maps.dtype, maps.shape, lengths, k)
    if scores is not None:
        for name in ("auroc", "pointing", "mass"):
            v = scores[name]
            assert v.shape == (n,) and np.all(np.isnan(v) | ((v >= 0) & (v <= 1)))


@FAST
@given(
    values=arrays(st.tuples(st.integers(0, 20))),
    n_boot=st.sampled_from([1, 50, 0, 2.5]),
    level=st.sampled_from([0.95, 0.5, 1.5, 0.0, np.nan]),
    rng=st.sampled_from([0, None, "abc"]),
)
def test_bootstrap(values, n_boot, level, rng):
    out = outcome(lambda: groundtruth.bootstrap(values, n_boot=n_boot, level=level, rng=rng))
    valid = (
        values.dtype.kind in "iuf"
        and isinstance(n_boot, int)
        and n_boot >= 1
        and 0 < level <= 1
        and not isinstance(rng, str)
    )
    assert (out is not None) == valid
    if out is not None:
        finite = values[np.isfinite(values.astype(np.float64))].astype(np.float64) if values.size else values
        mean, low, high = out
        if finite.size:
            assert finite.min() - 1e-9 <= low <= high <= finite.max() + 1e-9 and np.isfinite(mean)
        else:
            assert np.isnan(mean)

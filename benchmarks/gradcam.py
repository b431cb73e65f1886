"""Grad-CAM maps per second: resandi-lite's GradCAM against captum's LayerGradCam, in one run.

    python benchmarks/gradcam.py [--preset lite] [--n 1024] [--batch 256]

Both explain layer4 for given targets on the same inputs, batch by batch, and
their maps are checked to agree before the rates and the ratio are printed.
"""

from __future__ import annotations

import argparse
import time

import torch
from captum.attr import LayerGradCam

from resandi_lite.gradcam import GradCAM
from resandi_lite.model import build_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="lite")
    parser.add_argument("--n", type=int, default=1024)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = build_model(args.preset).eval()
    x = torch.rand(args.n, 2, 1000)
    target = torch.randint(0, 8, (args.n,))
    ours, theirs = GradCAM(model, "layer4"), LayerGradCam(model, model.layer4)

    def run_ours():
        return ours.attribute(x, target, batch_size=args.batch)

    def run_captum():
        return torch.cat(
            [
                theirs.attribute(x[i : i + args.batch], target=target[i : i + args.batch])[:, 0].detach()
                for i in range(0, args.n, args.batch)
            ]
        )

    a, b = run_ours(), run_captum()  # warm up, and check they agree
    assert torch.allclose(a, b, atol=1e-5), "the two implementations disagree"
    rates = {"resandi-lite": 0.0, "captum": 0.0}
    for _ in range(args.repeats):  # alternate, keep the best of each: robust to a busy machine
        for name, fn in (("resandi-lite", run_ours), ("captum", run_captum)):
            start = time.perf_counter()
            fn()
            rates[name] = max(rates[name], args.n / (time.perf_counter() - start))
    for name, rate in rates.items():
        print(f"{name:<13} {rate:8.0f} maps/s  ({args.preset}, layer4, batch {args.batch}, best of {args.repeats})")
    print(f"ratio resandi-lite / captum: {rates['resandi-lite'] / rates['captum']:.2f} (target >= 1)")


if __name__ == "__main__":
    main()

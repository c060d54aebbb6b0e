"""``empower calibrate``: fit a setting's uncertain values to survey targets (ABC-SMC).

Steps:

1. Check the options and the targets file (each problem named, exit 2); check that the
   targets' scenario runs on the setting given.
2. Run :func:`empower.calibrate.calibrate` into ``--out`` (posterior, metadata,
   database, fit table and plot), or with ``--resume`` continue the run stored there.
3. Print the fit: each target, observed with its interval, the model's posterior
   median and 95% range, inside or not.
4. With ``--store``, copy the posterior beside the setting (``NAME.posterior.csv`` and
   ``NAME.posterior.json``), where ``empower run --posterior`` finds it, or where the
   targets file's ``store_as`` says (an earlier stage's posterior, which a later
   stage's ``conditional_on`` names).
"""

from __future__ import annotations

import argparse
import math
import shutil

import pandas as pd

from empower.scenario import ConfigError

__all__ = ["calibrate_command"]

CALIBRATION_FILES = ("posterior.csv", "posterior.json", "fit.csv", "fit.png")


def fit_table(fit: pd.DataFrame) -> str:
    """The fit as aligned text lines."""
    lines = [f"{'target':<28}{'observed (95% interval)':>26}{'model median [95% range]':>30}"
             "   inside"]
    for _, r in fit.iterrows():
        digits = 2 if r.measure.startswith("odds_ratio:") else 3

        def f(x: float, d: int = digits) -> str:
            return "-" if not math.isfinite(x) else f"{x:.{d}f}"

        obs = f"{f(r.observed)} ({f(r.observed_low)}-{f(r.observed_high)})"
        mod = f"{f(r.model_median)} [{f(r.model_low)}-{f(r.model_high)}]"
        mark = ("yes" if r.inside else "NO") + ("" if r.fitted else " (not fitted)")
        lines.append(f"{r.target:<28}{obs:>26}{mod:>30}   {mark}")
    return "\n".join(lines)


def calibrate_command(args: argparse.Namespace) -> int:
    """Run ``empower calibrate`` (module steps); 0 on success, ConfigError on bad input."""
    from empower.calibrate import calibrate, load_targets
    from empower.option_checks import at_least, output_folder, positive_finite
    from empower.scenario import load_scenario

    problems = []
    for name in ("population", "generations", "workers", "draws"):
        problems += at_least(f"--{name}", getattr(args, name),
                             0 if name == "generations" and args.resume else 1)
    problems += positive_finite("--kernel-scaling", args.kernel_scaling)
    if args.generation is not None and args.generation < 0:
        problems.append(f"--generation: must be 0 or more, got {args.generation}")
    if args.max_minutes is not None:
        problems += positive_finite("--max-minutes", args.max_minutes)
    problems += positive_finite("--people-scale", args.people_scale)
    if not args.setting.is_file():
        problems.append(f"{args.setting}: file not found")
    if folder := output_folder(args.out):
        problems += folder
    elif args.resume and not (args.out / "calibration.db").is_file():
        problems.append(f"--resume: {args.out / 'calibration.db'} not found: nothing to "
                        "continue")
    elif (not args.overwrite and not args.resume
          and any((args.out / f).exists() for f in CALIBRATION_FILES)):
        problems.append(f"--out: {args.out} already holds a calibration; choose another "
                        "folder or pass --overwrite")
    if problems:
        raise ConfigError(problems)
    spec, scenario_path = load_targets(args.targets)
    scenario = load_scenario(scenario_path)
    if scenario.setting_path.resolve() != args.setting.resolve():
        raise ConfigError([f"{args.targets}: scenario: {scenario_path} runs on the setting "
                           f"{scenario.setting_path}, not {args.setting.resolve()}"])
    try:
        import pyabc  # noqa: F401
    except ImportError:
        raise ConfigError(["empower calibrate needs pyabc: pip install 'empower[calibrate]'"]
                          ) from None
    try:
        meta = calibrate(args.targets, args.out, population=args.population,
                         generations=args.generations, max_minutes=args.max_minutes,
                         resume=args.resume, generation=args.generation,
                         workers=args.workers, seed=args.seed,
                         kernel_scaling=args.kernel_scaling,
                         people_scale=args.people_scale, draws=args.draws,
                         predictive=min(args.predictive, args.draws),
                         progress=None if args.quiet else print)
    except KeyboardInterrupt:
        from empower.interrupt import Interrupted

        raise Interrupted(f"the generations finished are kept in "
                          f"{args.out / 'calibration.db'}; --resume --generations 0 writes "
                          "their outputs, --resume --generations N continues") from None
    fit = pd.read_csv(args.out / "fit.csv")
    print(f"calibrated {len(spec.priors)} parameters on {len(spec.targets)} targets: "
          f"{meta['simulations']} simulations, epsilons "
          + ", ".join(f"{e:.2f}" for e in meta["epsilons"])
          + f"; effective sample size of generation {meta['posterior_generation']} "
          f"{meta['effective_sample_size']:.1f}")
    print(fit_table(fit))
    paths = [args.out / f for f in CALIBRATION_FILES]
    if args.store:
        from empower.posterior import stored_posterior

        target = (stored_posterior(args.setting.resolve()) if spec.store_as is None
                  else (args.targets.parent / spec.store_as).resolve())
        shutil.copyfile(args.out / "posterior.csv", target)
        shutil.copyfile(args.out / "posterior.json", target.with_suffix(".json"))
        paths += [target, target.with_suffix(".json")]
    print("wrote " + ", ".join(str(p) for p in paths))
    return 0

"""Re-implementations of published harnesses, used only as baselines by ``bench/`` scripts."""

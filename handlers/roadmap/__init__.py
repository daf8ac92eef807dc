"""The roadmap: the baseline assessment, baseline and progress figures, objectives and actions."""

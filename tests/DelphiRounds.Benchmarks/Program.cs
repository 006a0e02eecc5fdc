using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(DelphiRounds.Benchmarks.RatingRevision).Assembly).Run(args);

using DelphiRounds.Hosting;

return ServerSetup.Run(args);

/// <summary>Entry point (public for the integration tests' WebApplicationFactory).</summary>
public partial class Program;

using DelphiRounds.Accounts;
using DelphiRounds.Kernel;
using DelphiRounds.Studies;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DelphiRounds.Exports;

/// <summary>Exports of a study's data (facilitator).</summary>
public static class ExportEndpoints
{
    public static IServiceCollection AddExports(this IServiceCollection services) => services.AddSingleton<StudyExport>();

    public static void MapExports(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/studies/{studyId:long}").WithTags("Exports").RequireAuthorization(Auth.FacilitatorApi);
        api.MapGet("/export.json", ExportJsonAsync)
            .WithSummary("The study's answers and aggregates per round and item, in the shapes of `delphi analyze` (pseudonymous).");
    }

    private static async Task<Results<Ok<System.Text.Json.Nodes.JsonObject>, ProblemHttpResult>> ExportJsonAsync(
        long studyId, HttpContext context, StudyStore studies, StudyExport export)
    {
        if (await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value) is null)
            return Problems.NotFound("studyId", $"Study {studyId} does not exist or is not yours.");
        context.Response.Headers.ContentDisposition = $"inline; filename=\"study-{studyId}-export.json\"";
        return TypedResults.Ok(await export.BuildAsync(studyId));
    }
}

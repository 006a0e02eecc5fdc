using DelphiRounds.Accounts;
using DelphiRounds.Convergence;
using DelphiRounds.Kernel;
using DelphiRounds.Studies;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DelphiRounds.Exports;

/// <summary>
/// The study's data files (CSV and JSON of answers, aggregates, arguments and the item changelog) for
/// scripts (bearer token, <c>/api/v1/…</c>) and for the facilitator's browser (login cookie, <c>/f/…</c>,
/// the download links of the "Report &amp; exports" page), plus what the convergence page and the report read.
/// </summary>
public static class ReportEndpoints
{
    private const string FilePattern = "^(answers|aggregates|arguments|changelog)\\.(csv|json)$";

    public static IServiceCollection AddReports(this IServiceCollection services) =>
        services.AddSingleton<StudyRecords>().AddSingleton<ConvergenceReader>().AddSingleton<ReportBuilder>()
            .AddSettings<ReportOptions>(ReportOptions.Section).Services;

    public static void MapReports(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/studies/{studyId:long}/export").WithTags("Exports").RequireAuthorization(Auth.FacilitatorApi);
        // Any name reaches the handler, so a wrong one gets a problem naming the file instead of a bare "nothing at this address".
        api.MapGet("/{file}", ApiFileAsync).ProducesFile("text/csv", "application/json")
            .WithSummary("A data file of the study: answers, aggregates, arguments or changelog, as .csv or .json (pseudonymous).")
            .WithDescription("answers: every revision (participant pseudonym, group slug, round, item, revision, value, detail, rationale, time). " +
                             "aggregates: per round and item the analyze contract's figures for the panel and every group with at least 3 answers " +
                             "(blind rounds also for the first answers), with the stopping verdict. arguments: rationales with their 'convincing' " +
                             "marks, hidden ones left out. changelog: every rewording with its reason. No name or e-mail address is ever exported.");

        // The same files for the facilitator's browser (cookie), and export.json beside them.
        var pages = app.MapGroup("/f/studies/{studyId:long}/export").RequireAuthorization(Auth.FacilitatorPages).ExcludeFromDescription();
        pages.MapGet($"/{{file:regex({FilePattern})}}", PageFileAsync);
        pages.MapGet("/export.json", async Task<Results<FileContentHttpResult, NotFound>> (long studyId, HttpContext context, StudyStore studies, StudyExport export) =>
        {
            if (await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value) is null) return TypedResults.NotFound();
            var json = (await export.BuildAsync(studyId)).ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
            return TypedResults.File(System.Text.Encoding.UTF8.GetBytes(json), "application/json; charset=utf-8", $"study-{studyId}-export.json");
        });
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> ApiFileAsync(
        long studyId, string file, HttpContext context, StudyStore studies, StudyRecords records)
    {
        if (await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value) is null)
            return Problems.NotFound("studyId", $"Study {studyId} does not exist or is not yours.");
        if (!DataFiles.Names.Contains(file))
            return Problems.NotFound("file", $"There is no data file '{file}'; use one of {string.Join(", ", DataFiles.Names)}.");
        var data = DataFiles.Build(await records.LoadAsync(studyId), file)!;
        return TypedResults.File(data.Content, data.ContentType, data.Name);
    }

    private static async Task<Results<FileContentHttpResult, NotFound>> PageFileAsync(
        long studyId, string file, HttpContext context, StudyStore studies, StudyRecords records)
    {
        if (await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value) is null) return TypedResults.NotFound();
        var data = DataFiles.Build(await records.LoadAsync(studyId), file)!;
        return TypedResults.File(data.Content, data.ContentType, data.Name);
    }
}

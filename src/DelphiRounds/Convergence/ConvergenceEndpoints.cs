using DelphiRounds.Accounts;
using DelphiRounds.Consensus;
using DelphiRounds.Items;
using DelphiRounds.Kernel;
using DelphiRounds.Rounds;
using DelphiRounds.Studies;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DelphiRounds.Convergence;

public sealed class ConsensusRulesValidator : AbstractValidator<ConsensusRules>
{
    public ConsensusRulesValidator()
    {
        RuleFor(r => r.MaxIqr).InclusiveBetween(0, 6);
        RuleFor(r => r.MaxIqrShareOfRange).InclusiveBetween(0, 1);
        RuleFor(r => r.MinKendallW).InclusiveBetween(0, 1);
        RuleFor(r => r.AgreementTopCategories).InclusiveBetween(1, 6);
        RuleFor(r => r.MinAgreement).InclusiveBetween(0, 1);
        RuleFor(r => r.MaxChangedFraction).InclusiveBetween(0, 1);
        RuleFor(r => r.MinGroupSize).InclusiveBetween(3, 100)
            .WithMessage("minGroupSize: groups smaller than 3 are never judged or shown (anonymity); use 3 or more.");
        RuleFor(r => r.MaxRounds).InclusiveBetween(1, 10);
        RuleFor(r => r.ReleaseK).InclusiveBetween(ConsensusRules.MinReleaseK, 100)
            .WithMessage("releaseK: figures move only in steps of at least 3 people's answers (anonymity); use 3 to 100.");
        RuleFor(r => r.QuantileMethod).InclusiveBetween(1, 9);
        RuleFor(r => r.Version).InclusiveBetween(1, 2)
            .WithMessage("version: the consensus rules have version 1 and version 2 (the default).");
        RuleFor(r => r.DisagreementBottomCategories).InclusiveBetween(1, 6);
        RuleFor(r => r.MaxNetChange).InclusiveBetween(0, 1);
        RuleFor(r => r.MaxMedianShiftShareOfRange).GreaterThan(0)
            .WithMessage("maxMedianShiftShareOfRange: the median shift that counts as stable must be above 0.");
        RuleFor(r => r.MaxMedianShiftShareOfRange).LessThanOrEqualTo(1);
        RuleFor(r => r.MinPole).InclusiveBetween(0, 1);
        RuleFor(r => r.MaxKendallWChange).InclusiveBetween(0, 1);
        RuleFor(r => r.MinRoundForConsensus).InclusiveBetween(1, 10);
        RuleFor(r => r.VerdictBasis).OneOf([ConsensusRules.BasisAll, ConsensusRules.BasisExperts])
            .WithMessage("verdictBasis: 'all' (every answer, the default) or 'experts' (those who rate their own expertise 4 or 5).");
        RuleFor(r => r.Unit).OneOf(["person", "organisation"])
            .WithMessage("unit: whose voice counts is person (one voice per person) or organisation (one voice per organisation).");
    }
}

/// <summary>Consensus criteria and convergence in the JSON API (facilitator).</summary>
public static class ConvergenceEndpoints
{
    public static IServiceCollection AddConvergence(this IServiceCollection services) =>
        services.AddSingleton<ConvergenceStore>().AddSingleton<ConvergenceService>().AddSingleton<ReleasedAnswers>()
            .AddSingleton<IEventHandler<RoundOpened>>(sp => sp.GetRequiredService<ReleasedAnswers>())
            .AddSingleton<IEventHandler<RoundClosed>>(sp => sp.GetRequiredService<ReleasedAnswers>())
            .AddSingleton<IEventHandler<DelphiRounds.Privacy.ParticipantErased>>(sp => sp.GetRequiredService<ReleasedAnswers>())
            .AddSingleton<IEventHandler<RoundClosing>>(sp => sp.GetRequiredService<ConvergenceService>())
            .AddSingleton<IItemSettlement>(sp => sp.GetRequiredService<ConvergenceService>())
            .AddSingleton<DelphiRounds.Live.IItemVerdicts>(sp => sp.GetRequiredService<ConvergenceService>())
            .AddSingleton<DelphiRounds.Live.IReasonWords>(sp => sp.GetRequiredService<ConvergenceReader>())
            .AddSingleton<DelphiRounds.Live.IOpenRoundVerdicts>(sp => sp.GetRequiredService<ConvergenceReader>());

    public static void MapConvergence(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/studies/{studyId:long}").WithTags("Convergence").RequireAuthorization(Auth.FacilitatorApi);
        api.MapGet("/criteria", GetCriteriaAsync).WithSummary("The study's consensus criteria, with their hash once locked.");
        api.MapPut("/criteria", PutCriteriaAsync).Validate<ConsensusRules>().Refuses(409)
            .WithSummary("Set the consensus criteria; refused with 409 once round 1 has opened (they are locked).");
        api.MapPut("/criteria/unit", PutUnitAsync).Refuses(409).Refuses(422)
            .WithSummary("Choose whose voice counts (person or organisation); part of the rules, refused with 409 once round 1 has opened.");
        api.MapGet("/convergence", GetConvergenceAsync)
            .WithSummary("Each item's stopping verdict after its last closed round, and whether the study stops.");
    }

    /// <summary>Whose voice counts: <c>person</c> (one voice per person) or <c>organisation</c> (one voice per organisation).</summary>
    public sealed record UnitRequest(string? Unit);

    private static async Task<Results<Ok<CriteriaResponse>, ProblemHttpResult>> PutUnitAsync(
        long studyId, UnitRequest? body, HttpContext context, StudyStore studies)
    {
        var study = await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value);
        if (study is null) return Problems.NotFound("studyId", $"Study {studyId} does not exist or is not yours.");
        // No body at all is a malformed request (400, as every route with a body says); a body with a bad unit is 422.
        if (body is null) return Problems.BadRequest("body", "A JSON body is required.");
        if (Voices.Parse(body.Unit) is not { } unit)
            return Problems.Field(422, "unit", $"'{body.Unit}' is not a unit of voice; use person (one voice per person) or organisation (one voice per organisation).");
        if (study.CriteriaLocked || !await studies.SetRulesAsync(studyId, study.Rules.WithUnit(unit)))
            return Problems.Conflict("unit", $"Whose voice counts was locked with the rules when round 1 opened (SHA-256 {study.CriteriaHash}); it cannot change.");
        return TypedResults.Ok(Describe((await studies.FindAsync(studyId))!));
    }

    public sealed record CriteriaResponse(ConsensusRules Criteria, string CanonicalJson, string? Hash, DateTimeOffset? LockedAt);

    private static CriteriaResponse Describe(Study s) => new(s.Rules, s.CriteriaJson, s.CriteriaHash, s.CriteriaLockedAt);

    private static async Task<Results<Ok<CriteriaResponse>, ProblemHttpResult>> GetCriteriaAsync(long studyId, HttpContext context, StudyStore studies)
    {
        var study = await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value);
        return study is null ? Problems.NotFound("studyId", $"Study {studyId} does not exist or is not yours.") : TypedResults.Ok(Describe(study));
    }

    private static async Task<Results<Ok<CriteriaResponse>, ProblemHttpResult>> PutCriteriaAsync(
        long studyId, ConsensusRules criteria, HttpContext context, StudyStore studies, ItemStore items)
    {
        var study = await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value);
        if (study is null) return Problems.NotFound("studyId", $"Study {studyId} does not exist or is not yours.");
        if (study.CriteriaLocked)
            return Problems.Conflict("criteria", $"The consensus criteria were locked when round 1 opened (SHA-256 {study.CriteriaHash}); they cannot change.");
        // Rules sent without a version are today's rules, version 2, with its defaults where nothing is said.
        // Which items rest on the experts is written at the lock, from the items that ask the expertise then.
        criteria = criteria with { ExpertItems = null };
        if (criteria.RulesVersion == 2 || criteria.Version is null) criteria = criteria.AsVersion2();
        else if (criteria.Items is { Count: > 0 })
            return Problems.BadRequest("items", "Rules per item belong to version 2 of the consensus rules; version 1 has none.");
        // One voice per person is stored as no unit, so its canonical JSON (and hash) is what it was before units existed.
        criteria = criteria.WithUnit(criteria.VoiceUnit);
        if (ItemRulesCheck.Find(criteria, await items.ListAsync(studyId)) is { } problem)
            return Problems.BadRequest(problem.Field, problem.Message);
        if (!await studies.SetRulesAsync(studyId, criteria))
            return Problems.Conflict("criteria", $"The consensus criteria were locked when round 1 opened (SHA-256 {study.CriteriaHash}); they cannot change.");
        return TypedResults.Ok(Describe((await studies.FindAsync(studyId))!));
    }

    private static async Task<Results<Ok<StudyConvergence>, ProblemHttpResult>> GetConvergenceAsync(
        long studyId, HttpContext context, StudyStore studies, ConvergenceService convergence)
    {
        if (await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value) is null)
            return Problems.NotFound("studyId", $"Study {studyId} does not exist or is not yours.");
        return TypedResults.Ok(await convergence.StudyAsync(studyId));
    }
}

using DelphiRounds.Accounts;
using DelphiRounds.Kernel;
using DelphiRounds.Panel;
using DelphiRounds.Studies;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DelphiRounds.Privacy;

/// <summary>A person's identity was erased; the answers keep their pseudonym, which is not shown here (it would tie the panel's names to the exports).</summary>
public sealed record ParticipantErasureResponse(long ParticipantId, string Reference, DateTimeOffset ErasedAt);

/// <summary>Personal data on request: erasure of a panel member's identity (facilitator), and the retention rule.</summary>
public static class PrivacyEndpoints
{
    public static IServiceCollection AddPrivacy(this IServiceCollection services)
    {
        services.AddSettings<PrivacyOptions>(PrivacyOptions.Section);
        services.AddSingleton<IdentityStore>().AddSingleton<ParticipantErasure>();
        services.AddSingleton<IdentityRetentionService>();
        services.AddHostedService(sp => sp.GetRequiredService<IdentityRetentionService>());
        return services;
    }

    public static void MapPrivacy(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/studies/{studyId:long}/participants").WithTags("Panel").RequireAuthorization(Auth.FacilitatorApi);
        api.MapPost("/{participantId:long}/erase", EraseAsync)
            .WithSummary("Erase a participant's name and e-mail address on their request; their answers stay, under the pseudonym.")
            .WithDescription("Erasing twice is harmless: the first erasure time is kept.");
    }

    private static async Task<Results<Ok<ParticipantErasureResponse>, ProblemHttpResult>> EraseAsync(
        long studyId, long participantId, HttpContext context, StudyStore studies, ParticipantErasure identities)
    {
        if (await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value) is null)
            return Problems.NotFound("studyId", $"Study {studyId} does not exist or is not yours.");
        var erased = await identities.EraseAsync(studyId, participantId);
        if (erased is null) return Problems.NotFound("participantId", $"Study {studyId} has no participant {participantId}.");
        return TypedResults.Ok(new ParticipantErasureResponse(erased.ParticipantId, PanelReference.Of(erased.ParticipantId), erased.ErasedAt));
    }
}

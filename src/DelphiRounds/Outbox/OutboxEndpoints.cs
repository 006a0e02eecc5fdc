using DelphiRounds.Accounts;
using DelphiRounds.Answers;
using DelphiRounds.Kernel;
using DelphiRounds.Rounds;
using DelphiRounds.Studies;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DelphiRounds.Outbox;

public sealed record RemindersRequest
{
    /// <summary>Slugs of the stakeholder groups whose non-responders get a reminder.</summary>
    public List<string>? Groups { get; init; }
    /// <summary>Ids of the organisations whose non-responders get a reminder (with or instead of groups).</summary>
    public List<long>? Organisations { get; init; }
}

public sealed class RemindersRequestValidator : AbstractValidator<RemindersRequest>
{
    public RemindersRequestValidator()
    {
        RuleFor(r => r.Groups)
            .Holds("groupsOrOrganisations", "choose at least one stakeholder group (groups) or organisation (organisations)",
                (r, g) => g is { Count: > 0 } || g is null && r.Organisations is { Count: > 0 }, "organisations")
            .WithMessage("groups: choose at least one stakeholder group (its slug) or organisation (its id in organisations).")
            .Count(max: 100).WithMessage("groups: at most 100 stakeholder groups at once.");
        RuleFor(r => r.Organisations).Count(max: 1000)
            .WithMessage("organisations: at most 1000 organisations at once.");
        RuleForEach(r => r.Groups).NotEmpty().MaximumLength(100)
            .WithMessage("groups: each entry is the slug of one of the study's stakeholder groups.");
    }
}

/// <summary>Response per organisation in the open round (issue 18).</summary>
public sealed record OrganisationResponseView(long RoundId, int RoundNumber, IReadOnlyList<OrganisationNonResponse> Organisations);

/// <summary>Panel and attrition: reminders, the outbox, and the response per group and round (facilitator).</summary>
public static class OutboxEndpoints
{
    /// <summary>The outbox and what fills it; used by the web host and the <c>delphi</c> command alike.</summary>
    public static IServiceCollection AddOutbox(this IServiceCollection services)
    {
        services.AddSettings<MailOptions>(MailOptions.Section, o =>
                System.Net.Mail.MailAddress.TryCreate(o.From, out _) ? []
                    : [$"From: '{o.From}' is not an e-mail address (e.g. \"Gemeente <delphi@example.nl>\")"])
            // Relative to the settings file, like Storage:KeysFolder; the folder is made when the first message is written.
            .Configure<IConfiguration>((o, configuration) => o.PickupFolder = Settings.ResolvePath(configuration, o.PickupFolder));
        services.AddSingleton<OutboxStore>().AddSingleton<ReceiptMailStore>().AddSingleton<CommitmentReminderStore>().AddSingleton<OutboxMessages>().AddSingleton<MailDelivery>()
            .AddSingleton<PickupDelivery>().AddSingleton<OutboxService>().AddSingleton<ResponseRates>()
            .AddSingleton<IEventHandler<RoundOpened>>(sp => sp.GetRequiredService<OutboxService>());
        services.AddSingleton<OutboxSender>();
        services.AddHostedService(sp => sp.GetRequiredService<OutboxSender>());
        return services;
    }

    public static void MapOutbox(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/studies/{studyId:long}").WithTags("Panel").RequireAuthorization(Auth.FacilitatorApi);
        api.MapPost("/reminders", RemindAsync).Validate<RemindersRequest>().Refuses(409)
            .WithSummary("Queue a reminder for the members of the chosen groups who have not answered the open round.")
            .WithDescription("Only members with an e-mail address get one; each reminder carries a fresh personal link, made when it is sent. " +
                             "202 with the number queued per group; follow the sending at GET …/outbox.");
        api.MapGet("/outbox", OutboxAsync).WithSummary("How many invitations and reminders are pending, sent, failed or cancelled.");
        api.MapGet("/response", ResponseAsync).WithSummary("Response per stakeholder group in every round (attrition).");
        api.MapGet("/response/organisations", OrganisationResponseAsync).Refuses(409)
            .WithSummary("Per organisation: its people and how many of them have not answered the open round (counts only; 409 when no round is open).");
    }

    private static async Task<Results<Accepted<RemindersQueued>, ProblemHttpResult>> RemindAsync(
        long studyId, RemindersRequest request, HttpContext context, StudyStore studies, OutboxService outbox, Organisations.OrganisationStore organisations)
    {
        if (await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value) is null)
            return Problems.NotFound("studyId", $"Study {studyId} does not exist or is not yours.");
        var slugs = (await studies.GroupsAsync(studyId)).Select(g => g.Slug).ToHashSet();
        var unknown = (request.Groups ?? []).FirstOrDefault(g => !slugs.Contains(g));
        if (unknown is not null)
            return Problems.BadRequest("groups", $"This study has no stakeholder group '{unknown}'; use one of {string.Join(", ", slugs)}.");
        var ids = (await organisations.ListAsync(studyId)).Select(o => o.Id).ToHashSet();
        var unknownOrganisation = (request.Organisations ?? []).Where(o => !ids.Contains(o)).Select(o => (long?)o).FirstOrDefault();
        if (unknownOrganisation is not null)
            return Problems.BadRequest("organisations", $"This study has no organisation {unknownOrganisation}.");
        var queued = await outbox.RemindAsync(studyId, request.Groups ?? [], request.Organisations ?? []);
        if (queued is null) return Problems.Conflict("studyId", "No round is open: reminders are for the round being answered.");
        return TypedResults.Accepted($"/api/v1/studies/{studyId}/outbox", queued);
    }

    private static async Task<Results<Ok<OutboxCounts>, ProblemHttpResult>> OutboxAsync(
        long studyId, HttpContext context, StudyStore studies, OutboxService outbox)
    {
        if (await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value) is null)
            return Problems.NotFound("studyId", $"Study {studyId} does not exist or is not yours.");
        return TypedResults.Ok(await outbox.CountsAsync(studyId));
    }

    private static async Task<Results<Ok<OrganisationResponseView>, ProblemHttpResult>> OrganisationResponseAsync(
        long studyId, HttpContext context, StudyStore studies, OutboxService outbox)
    {
        if (await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value) is null)
            return Problems.NotFound("studyId", $"Study {studyId} does not exist or is not yours.");
        var (round, organisations) = await outbox.NonResponseByOrganisationAsync(studyId);
        if (round is null) return Problems.Conflict("studyId", "No round is open: response per organisation is for the round being answered.");
        return TypedResults.Ok(new OrganisationResponseView(round.Id, round.Number, organisations));
    }

    private static async Task<Results<Ok<IReadOnlyList<RoundResponse>>, ProblemHttpResult>> ResponseAsync(
        long studyId, HttpContext context, StudyStore studies, ResponseRates rates)
    {
        if (await studies.FindOwnedAsync(studyId, context.User.FacilitatorId()!.Value) is null)
            return Problems.NotFound("studyId", $"Study {studyId} does not exist or is not yours.");
        return TypedResults.Ok(await rates.ReadAsync(studyId));
    }
}

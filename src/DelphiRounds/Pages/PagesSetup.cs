using DelphiRounds.Accounts;

namespace DelphiRounds.Pages;

public static class PagesSetup
{
    public static IServiceCollection AddDelphiPages(this IServiceCollection services)
    {
        services.AddRazorPages(o =>
        {
            o.Conventions.AuthorizeFolder("/Facilitator", Auth.FacilitatorPages);
            o.Conventions.AuthorizeFolder("/Participant", Auth.ParticipantPages);
            o.Conventions.AllowAnonymousToPage("/Participant/Enter");
            o.Conventions.AllowAnonymousToPage("/Participant/WelcomeBack");
        });
        services.AddAntiforgery(o => o.Cookie.Name = "delphi.antiforgery");
        // Write Dutch (é, ë), dashes and arrows as characters, not as numeric entities; markup is still encoded.
        services.Configure<Microsoft.Extensions.WebEncoders.WebEncoderOptions>(o =>
            o.TextEncoderSettings = new System.Text.Encodings.Web.TextEncoderSettings(System.Text.Unicode.UnicodeRanges.All));
        return services;
    }

    public static void MapDelphiPages(this WebApplication app) => app.MapRazorPages();
}

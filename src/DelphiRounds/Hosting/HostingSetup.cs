using System.Text.Json;
using System.Text.Json.Serialization;
using DelphiRounds.Accounts;
using DelphiRounds.Data;
using DelphiRounds.Kernel;
using DelphiRounds.Panel;
using FluentValidation;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Hosting;

/// <summary>The one place that wires cross-cutting concerns: settings, errors, authentication, languages, health, OpenAPI.</summary>
public static class HostingSetup
{
    public static IServiceCollection AddDelphiHosting(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddDelphiCore(configuration);

        // Cookie and anti-forgery keys live with the data, so logins survive a restart and stay on this installation.
        // The keys are protected on purpose, so start-up says how instead of warning "No XML encryptor configured":
        // with Storage:KeysCertificatePath each key is encrypted with that certificate; without it, the folder is
        // readable by the server's own account only (mode 0700) and the keys are written as they are.
        var dataProtection = services.AddDataProtection().SetApplicationName("DelphiRounds");
        var certificate = KeyProtection.Certificate(configuration);
        if (certificate is not null) dataProtection.ProtectKeysWithCertificate(certificate);
        services.AddOptions<KeyManagementOptions>().Configure<IOptions<StorageOptions>, ILoggerFactory>((o, storage, logs) =>
        {
            o.XmlRepository = new FileSystemXmlRepository(KeyProtection.OwnerOnlyFolder(storage.Value.KeysFolder), logs);
            var log = logs.CreateLogger(typeof(KeyProtection).FullName!);
            if (certificate is not null)
                log.LogInformation("Login keys are kept in {Folder}, encrypted with the certificate {Subject} (Storage:KeysCertificatePath).", storage.Value.KeysFolder, certificate.Subject);
            else
            {
                o.XmlEncryptor = new Microsoft.AspNetCore.DataProtection.XmlEncryption.NullXmlEncryptor();
                log.LogInformation("Login keys are kept in {Folder}, readable only by this account; set Storage:KeysCertificatePath to also encrypt them with a certificate.", storage.Value.KeysFolder);
            }
        });

        services.AddProblemDetails();
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.Configure<JsonOptions>(o =>
        {
            o.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
            o.SerializerOptions.MaxDepth = 32;
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        });
        FluentValidation.ValidatorOptions.Global.DisplayNameResolver = (_, member, _) =>
            member is null ? null : char.ToLowerInvariant(member.Name[0]) + member.Name[1..];
        FluentValidation.ValidatorOptions.Global.PropertyNameResolver = (_, member, _) =>
            member is null ? null : char.ToLowerInvariant(member.Name[0]) + member.Name[1..];
        services.AddValidatorsFromAssemblyContaining<Texts>(ServiceLifetime.Singleton);

        services.AddLanguages();
        services.AddDelphiAuthentication();

        // One instance, so its quick_check result is kept between probes.
        services.AddSingleton<DatabaseHealthCheck>();
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        services.AddDelphiOpenApi();
        return services;
    }

    private static IServiceCollection AddDelphiAuthentication(this IServiceCollection services)
    {
        static bool IsApi(HttpRequest r) => r.Path.StartsWithSegments("/api") || r.Path.StartsWithSegments("/hubs");

        services.AddAuthentication(Auth.FacilitatorCookie)
            .AddCookie(Auth.FacilitatorCookie, o =>
            {
                o.Cookie.Name = "delphi.facilitator";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.LoginPath = "/login";
                o.LogoutPath = "/logout";
                o.AccessDeniedPath = "/login";
                o.ExpireTimeSpan = TimeSpan.FromHours(8);
                o.SlidingExpiration = true;
                o.Events.OnValidatePrincipal = FacilitatorSession.ValidateAsync;
                o.Events.OnRedirectToLogin = c => ApiAware(c, 401);
                o.Events.OnRedirectToAccessDenied = c => ApiAware(c, 403);
            })
            .AddCookie(Auth.ParticipantCookie, o =>
            {
                o.Cookie.Name = "delphi.participant";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.LoginPath = "/p/welcome-back";
                o.AccessDeniedPath = "/p/welcome-back";
                o.ExpireTimeSpan = TimeSpan.FromDays(60);
                o.SlidingExpiration = true;
                o.ReturnUrlParameter = "next";
                o.Events.OnValidatePrincipal = ParticipantStamp.ValidateAsync;
                o.Events.OnRedirectToLogin = c => ApiAware(c, 401);
                o.Events.OnRedirectToAccessDenied = c => ApiAware(c, 403);
            })
            .AddScheme<AuthenticationSchemeOptions, BearerAuthenticationHandler>(Auth.Bearer, null);

        services.AddAuthorizationBuilder()
            .AddPolicy(Auth.FacilitatorPages, p => p.AddAuthenticationSchemes(Auth.FacilitatorCookie).RequireRole(Auth.FacilitatorRole))
            .AddPolicy(Auth.FacilitatorApi, p => p.AddAuthenticationSchemes(Auth.Bearer).RequireRole(Auth.FacilitatorRole))
            .AddPolicy(Auth.ParticipantPages, p => p.AddAuthenticationSchemes(Auth.ParticipantCookie).RequireRole(Auth.ParticipantRole))
            .AddPolicy(Auth.ParticipantApi, p => p.AddAuthenticationSchemes(Auth.Bearer).RequireRole(Auth.ParticipantRole))
            .AddPolicy(Auth.Viewer, p => p.AddAuthenticationSchemes(Auth.FacilitatorCookie, Auth.ParticipantCookie, Auth.Bearer)
                .RequireRole(Auth.FacilitatorRole, Auth.ParticipantRole));
        return services;

        // API and hub requests get a status code (the bearer handler writes the problem body), pages a redirect.
        static Task ApiAware(Microsoft.AspNetCore.Authentication.RedirectContext<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions> c, int status)
        {
            if (c.Response.HasStarted) return Task.CompletedTask; // another scheme of the policy already answered
            if (IsApi(c.Request)) c.Response.StatusCode = status;
            else c.Response.Redirect(c.RedirectUri);
            return Task.CompletedTask;
        }
    }

    /// <summary>Error handling, languages, authentication, health and OpenAPI, in the order they must run.</summary>
    public static WebApplication UseDelphiHosting(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseWhen(c => c.Request.Path.StartsWithSegments("/api"), a => a.UseStatusCodePages());
        app.UseWhen(c => !c.Request.Path.StartsWithSegments("/api") && !c.Request.Path.StartsWithSegments("/hubs"),
            a => a.UseStatusCodePagesWithReExecute("/error/{0}"));
        app.UseRequestLocalization();
        app.UseBrowserDateFormats();
        app.UseStaticFiles();
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();

        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteHealth }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = WriteHealth }).AllowAnonymous();
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        app.MapLanguageSwitch();
        return app;
    }

    private static Task WriteHealth(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsJsonAsync(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        });
    }

    /// <summary>Applies migrations before the host starts serving.</summary>
    public static async Task MigrateAsync(this WebApplication app) =>
        await app.Services.GetRequiredService<Migrator>().MigrateAsync();

    /// <summary>
    /// Checks the SQLite file (<see cref="DatabaseCheck"/>) and migrates the database. A problem is one line on standard
    /// error naming the file and what is wrong, and false: the server exits with code 1 instead of a stack trace (exit 134,
    /// restarted forever by systemd) or a new installation over a lost database.
    /// </summary>
    public static bool DatabaseIsUsable(this WebApplication app)
    {
        var db = app.Services.GetRequiredService<Database>();
        var storage = app.Services.GetRequiredService<IOptions<StorageOptions>>().Value;
        var problem = db.SqlitePath is { } path
            ? DatabaseCheck.Problem(path, storage.FullIntegrityCheck, storage.NewInstallation, storage.BusyTimeoutSeconds)
            : null;
        if (problem is null)
        {
            try
            {
                app.MigrateAsync().GetAwaiter().GetResult();
                return true;
            }
            catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or IOException)
            {
                problem = $"The database ({db.Describe}) could not be prepared: {e.GetBaseException().Message}";
            }
        }
        Console.Error.WriteLine("DelphiRounds cannot start. " + problem);
        return false;
    }

    public static bool SettingsAreValid(this WebApplication app)
    {
        try
        {
            app.Services.GetRequiredService<IStartupValidator>().Validate();
            return true;
        }
        catch (Exception e) when (e is OptionsValidationException or AggregateException)
        {
            var failures = (e is AggregateException a ? a.InnerExceptions : [e]).OfType<OptionsValidationException>().SelectMany(x => x.Failures).ToList();
            var ours = failures.Where(f => f.StartsWith(SettingsValidator<object>.Prefix, StringComparison.Ordinal)).Distinct().ToList();
            foreach (var line in ours.Count > 0 ? ours : failures) Console.Error.WriteLine("DelphiRounds cannot start. " + line);
            // Under the integration tests' WebApplicationFactory the entry point's exit code is not seen: let the test see the failure.
            if (app.Environment.IsEnvironment("Testing")) throw;
            return false;
        }
    }
}

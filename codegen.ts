// GraphQL Code Generator: typed resolvers for the server, typed documents for the web app.
// Generated code lives in server/src/generated/ and web/src/gql/; never edit it by hand.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['web/src/**/*.{ts,tsx}', '!web/src/gql/**'],
  ignoreNoDocuments: true,
  generates: {
    'server/src/generated/graphql.ts': {
      plugins: ['typescript', 'typescript-resolvers'],
      config: {
        useTypeImports: true,
        contextType: '../graphql/context.js#GraphQLContext',
        scalars: { DateTime: { input: 'Date', output: 'Date | string' } },
        enumsAsTypes: true,
        mappers: {
          Zone: '../modules/sensors/sensors-repository.js#ZoneRow',
          Sensor: '../modules/sensors/sensors-repository.js#SensorRow',
          TrustScore: '../modules/trust/trust-repository.js#TrustScoreRow',
          Ticket: '../modules/tickets/tickets-repository.js#TicketRow',
          Incident: '../modules/incidents/incidents-repository.js#IncidentRow',
          TicketEvent: '../modules/tickets/tickets-repository.js#TicketEventRow',
          ZoneStats: '../modules/dashboard/dashboard-repository.js#ZoneStatsRow',
          MaintenanceWindow: '../modules/tickets/maintenance-repository.js#MaintenanceWindowRow',
          Silence: '../modules/silences/silences-repository.js#SilenceRow',
          ApiKey: '../modules/auth/api-keys-repository.js#ApiKeyRow',
          NotificationReceiver: '../modules/notifications/notifications-repository.js#ReceiverRow',
          NotificationDelivery: '../modules/notifications/notifications-repository.js#DeliveryRow',
        },
      },
    },
    'web/src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: { unmaskFunctionName: 'useFragment' } },
      config: { useTypeImports: true, enumsAsTypes: true, scalars: { DateTime: 'string' } },
    },
  },
};

export default config;

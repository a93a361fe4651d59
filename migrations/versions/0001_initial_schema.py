"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import reintegration.db_types


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('auditevent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('object_type', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('object_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('ip', sqlmodel.sql.sqltypes.AutoString(length=45), nullable=True),
    sa.Column('prev_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auditevent'))
    )
    with op.batch_alter_table('auditevent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auditevent_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_auditevent_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_auditevent_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_auditevent_user_id'), ['user_id'], unique=False)

    op.create_table('loginattempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('ip', sqlmodel.sql.sqltypes.AutoString(length=45), nullable=False),
    sa.Column('success', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loginattempt'))
    )
    with op.batch_alter_table('loginattempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loginattempt_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_loginattempt_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_loginattempt_ip'), ['ip'], unique=False)

    op.create_table('organisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('country', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True),
    sa.Column('languages', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
    sa.Column('contact_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('contact_email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
    sa.Column('contact_phone', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation')),
    sa.UniqueConstraint('code', name=op.f('uq_organisation_code'))
    )
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_country'), ['country'], unique=False)
        batch_op.create_index(batch_op.f('ix_organisation_kind'), ['kind'], unique=False)

    op.create_table('user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('locale', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('totp_secret', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('mfa_enabled', sa.Boolean(), nullable=False),
    sa.Column('recovery_codes', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('session_token', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('last_login_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('password_changed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_user_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user')),
    sa.UniqueConstraint('email', name=op.f('uq_user_email'))
    )
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('person_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('person_date_of_birth', sa.Date(), nullable=False),
    sa.Column('person_sex', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('nationality', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True),
    sa.Column('unaccompanied_minor', sa.Boolean(), nullable=False),
    sa.Column('return_country', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('caseworker_id', sa.Integer(), nullable=True),
    sa.Column('cmm_contact_id', sa.Integer(), nullable=True),
    sa.Column('reflection_start', sa.Date(), nullable=True),
    sa.Column('reflection_end', sa.Date(), nullable=True),
    sa.Column('planned_return', sa.Date(), nullable=True),
    sa.Column('actual_return', sa.Date(), nullable=True),
    sa.Column('closed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('closure_reason', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('closure_note', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('legal_hold', sa.Boolean(), nullable=False),
    sa.Column('anonymised_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['caseworker_id'], ['user.id'], name=op.f('fk_case_caseworker_id_user')),
    sa.ForeignKeyConstraint(['cmm_contact_id'], ['user.id'], name=op.f('fk_case_cmm_contact_id_user')),
    sa.ForeignKeyConstraint(['partner_id'], ['organisation.id'], name=op.f('fk_case_partner_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case')),
    sa.UniqueConstraint('reference', name=op.f('uq_case_reference'))
    )
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_actual_return'), ['actual_return'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_caseworker_id'), ['caseworker_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_cmm_contact_id'), ['cmm_contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_return_country'), ['return_country'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_updated_at'), ['updated_at'], unique=False)
        batch_op.create_index('ix_case_status_updated_at_id', ['status', 'updated_at', 'id'], unique=False)
        batch_op.create_index('ix_case_partner_id_status_id', ['partner_id', 'status', 'id'], unique=False)

    op.create_table('child',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('first_name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('date_of_birth', sa.Date(), nullable=False),
    sa.Column('lives_in', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_child_case_id_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_child'))
    )
    with op.batch_alter_table('child', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_child_case_id'), ['case_id'], unique=False)

    op.create_table('followupreport',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('due_month', sa.Integer(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('final', sa.Boolean(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('submitted_by', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('contact_date', sa.Date(), nullable=True),
    sa.Column('contact_kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('activity_status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('monthly_income', reintegration.db_types.Kroner(), nullable=True),
    sa.Column('income_local', reintegration.db_types.ExactDecimal(length=40), nullable=True),
    sa.Column('housing', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('health', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('schooling', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('wellbeing', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('answers', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('score_economic', reintegration.db_types.ExactDecimal(length=40), nullable=True),
    sa.Column('score_social', reintegration.db_types.ExactDecimal(length=40), nullable=True),
    sa.Column('score_psychosocial', reintegration.db_types.ExactDecimal(length=40), nullable=True),
    sa.Column('risk_indicators', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('notes', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_followupreport_case_id_case')),
    sa.ForeignKeyConstraint(['submitted_by'], ['user.id'], name=op.f('fk_followupreport_submitted_by_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_followupreport'))
    )
    with op.batch_alter_table('followupreport', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_followupreport_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_followupreport_due_date'), ['due_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_followupreport_status'), ['status'], unique=False)
        batch_op.create_index('ix_followupreport_status_due_date_id', ['status', 'due_date', 'id'], unique=False)

    op.create_table('planversion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('amends_id', sa.Integer(), nullable=True),
    sa.Column('activity_kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('activity_description', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('activity_location', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('expected_monthly_income', reintegration.db_types.Kroner(), nullable=True),
    sa.Column('activity_start_month', sa.Integer(), nullable=True),
    sa.Column('realism', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('social_support', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('housing', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('health', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('schooling', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('risk_health', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('risk_traffickers', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('risk_management', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('rate_table_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('rate_table_version', sa.Integer(), nullable=True),
    sa.Column('check_ok', sa.Boolean(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('submitted_by', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('content_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['amends_id'], ['planversion.id'], name=op.f('fk_planversion_amends_id_planversion')),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_planversion_case_id_case')),
    sa.ForeignKeyConstraint(['created_by'], ['user.id'], name=op.f('fk_planversion_created_by_user')),
    sa.ForeignKeyConstraint(['submitted_by'], ['user.id'], name=op.f('fk_planversion_submitted_by_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_planversion')),
    sa.UniqueConstraint('case_id', 'number', name='uq_planversion_case_number')
    )
    with op.batch_alter_table('planversion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_planversion_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_planversion_status'), ['status'], unique=False)
        batch_op.create_index('ix_planversion_status_check_ok_case_id', ['status', 'check_ok', 'case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_planversion_submitted_at'), ['submitted_at'], unique=False)

    op.create_table('budgetline',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_version_id', sa.Integer(), nullable=False),
    sa.Column('line_key', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('amount_dkk', reintegration.db_types.Kroner(), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
    sa.Column('amount_local', reintegration.db_types.ExactDecimal(length=40), nullable=True),
    sa.Column('exchange_rate', reintegration.db_types.ExactDecimal(length=40), nullable=True),
    sa.ForeignKeyConstraint(['plan_version_id'], ['planversion.id'], name=op.f('fk_budgetline_plan_version_id_planversion')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budgetline'))
    )
    with op.batch_alter_table('budgetline', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budgetline_line_key'), ['line_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_budgetline_plan_version_id'), ['plan_version_id'], unique=False)

    op.create_table('comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_version_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_comment_author_id_user')),
    sa.ForeignKeyConstraint(['plan_version_id'], ['planversion.id'], name=op.f('fk_comment_plan_version_id_planversion')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment'))
    )
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comment_plan_version_id'), ['plan_version_id'], unique=False)

    op.create_table('decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_version_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=False),
    sa.Column('decided_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('rate_table_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('rate_table_version', sa.Integer(), nullable=False),
    sa.Column('content_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('reference_date', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by'], ['user.id'], name=op.f('fk_decision_decided_by_user')),
    sa.ForeignKeyConstraint(['plan_version_id'], ['planversion.id'], name=op.f('fk_decision_plan_version_id_planversion')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decision')),
    sa.UniqueConstraint('plan_version_id', name=op.f('uq_decision_plan_version_id'))
    )
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decision_decided_at'), ['decided_at'], unique=False)

    op.create_table('disbursement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('line_key', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('plan_version_id', sa.Integer(), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('amount_local', reintegration.db_types.ExactDecimal(length=40), nullable=True),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
    sa.Column('exchange_rate', reintegration.db_types.ExactDecimal(length=40), nullable=True),
    sa.Column('amount_dkk', reintegration.db_types.Kroner(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('recorded_by', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_disbursement_case_id_case')),
    sa.ForeignKeyConstraint(['plan_version_id'], ['planversion.id'], name=op.f('fk_disbursement_plan_version_id_planversion')),
    sa.ForeignKeyConstraint(['recorded_by'], ['user.id'], name=op.f('fk_disbursement_recorded_by_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disbursement'))
    )
    with op.batch_alter_table('disbursement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disbursement_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_disbursement_line_key'), ['line_key'], unique=False)

    op.create_table('plancontributor',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_version_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['plan_version_id'], ['planversion.id'], name=op.f('fk_plancontributor_plan_version_id_planversion')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_plancontributor_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plancontributor')),
    sa.UniqueConstraint('plan_version_id', 'user_id', name='uq_plancontributor_version_user')
    )
    with op.batch_alter_table('plancontributor', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plancontributor_plan_version_id'), ['plan_version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plancontributor_user_id'), ['user_id'], unique=False)

    op.create_table('riskalert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('followup_id', sa.Integer(), nullable=True),
    sa.Column('indicators', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('opened_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('closed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('closed_by', sa.Integer(), nullable=True),
    sa.Column('action_taken', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_riskalert_case_id_case')),
    sa.ForeignKeyConstraint(['closed_by'], ['user.id'], name=op.f('fk_riskalert_closed_by_user')),
    sa.ForeignKeyConstraint(['followup_id'], ['followupreport.id'], name=op.f('fk_riskalert_followup_id_followupreport')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_riskalert'))
    )
    with op.batch_alter_table('riskalert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_riskalert_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_riskalert_closed_at'), ['closed_at'], unique=False)

    op.create_table('attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('followup_id', sa.Integer(), nullable=True),
    sa.Column('disbursement_id', sa.Integer(), nullable=True),
    sa.Column('stored_name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('original_name', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('content_type', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('uploaded_by', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], name=op.f('fk_attachment_case_id_case')),
    sa.ForeignKeyConstraint(['disbursement_id'], ['disbursement.id'], name=op.f('fk_attachment_disbursement_id_disbursement')),
    sa.ForeignKeyConstraint(['followup_id'], ['followupreport.id'], name=op.f('fk_attachment_followup_id_followupreport')),
    sa.ForeignKeyConstraint(['uploaded_by'], ['user.id'], name=op.f('fk_attachment_uploaded_by_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachment')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_attachment_stored_name'))
    )
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachment_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachment_disbursement_id'), ['disbursement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachment_followup_id'), ['followup_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachment_followup_id'))
        batch_op.drop_index(batch_op.f('ix_attachment_disbursement_id'))
        batch_op.drop_index(batch_op.f('ix_attachment_case_id'))

    op.drop_table('attachment')
    with op.batch_alter_table('riskalert', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_riskalert_closed_at'))
        batch_op.drop_index(batch_op.f('ix_riskalert_case_id'))

    op.drop_table('riskalert')
    with op.batch_alter_table('plancontributor', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plancontributor_user_id'))
        batch_op.drop_index(batch_op.f('ix_plancontributor_plan_version_id'))

    op.drop_table('plancontributor')
    with op.batch_alter_table('disbursement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disbursement_line_key'))
        batch_op.drop_index(batch_op.f('ix_disbursement_case_id'))

    op.drop_table('disbursement')
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decision_decided_at'))

    op.drop_table('decision')
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comment_plan_version_id'))

    op.drop_table('comment')
    with op.batch_alter_table('budgetline', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budgetline_plan_version_id'))
        batch_op.drop_index(batch_op.f('ix_budgetline_line_key'))

    op.drop_table('budgetline')
    with op.batch_alter_table('planversion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_planversion_submitted_at'))
        batch_op.drop_index('ix_planversion_status_check_ok_case_id')
        batch_op.drop_index(batch_op.f('ix_planversion_status'))
        batch_op.drop_index(batch_op.f('ix_planversion_case_id'))

    op.drop_table('planversion')
    with op.batch_alter_table('followupreport', schema=None) as batch_op:
        batch_op.drop_index('ix_followupreport_status_due_date_id')
        batch_op.drop_index(batch_op.f('ix_followupreport_status'))
        batch_op.drop_index(batch_op.f('ix_followupreport_due_date'))
        batch_op.drop_index(batch_op.f('ix_followupreport_case_id'))

    op.drop_table('followupreport')
    with op.batch_alter_table('child', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_child_case_id'))

    op.drop_table('child')
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_index('ix_case_partner_id_status_id')
        batch_op.drop_index('ix_case_status_updated_at_id')
        batch_op.drop_index(batch_op.f('ix_case_updated_at'))
        batch_op.drop_index(batch_op.f('ix_case_status'))
        batch_op.drop_index(batch_op.f('ix_case_return_country'))
        batch_op.drop_index(batch_op.f('ix_case_partner_id'))
        batch_op.drop_index(batch_op.f('ix_case_cmm_contact_id'))
        batch_op.drop_index(batch_op.f('ix_case_caseworker_id'))
        batch_op.drop_index(batch_op.f('ix_case_actual_return'))

    op.drop_table('case')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_organisation_id'))

    op.drop_table('user')
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_kind'))
        batch_op.drop_index(batch_op.f('ix_organisation_country'))

    op.drop_table('organisation')
    with op.batch_alter_table('loginattempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_loginattempt_ip'))
        batch_op.drop_index(batch_op.f('ix_loginattempt_email'))
        batch_op.drop_index(batch_op.f('ix_loginattempt_at'))

    op.drop_table('loginattempt')
    with op.batch_alter_table('auditevent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auditevent_user_id'))
        batch_op.drop_index(batch_op.f('ix_auditevent_case_id'))
        batch_op.drop_index(batch_op.f('ix_auditevent_at'))
        batch_op.drop_index(batch_op.f('ix_auditevent_action'))

    op.drop_table('auditevent')

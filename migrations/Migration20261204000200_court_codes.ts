import { Migration } from '@mikro-orm/migrations';

/**
 * A court unit's court code (法院代字, issue 10 item 6): only COURT units have one, no two units the same.
 *
 * Each existing court gets the code its cases' numbers agree on, and none otherwise. They agree on a code C when
 * every first-instance number (破申, 破, 清申, 强清, 民破, 民算) of the court's cases carries C and every appeal or
 * supervision number (破终, 清终, 破监, 清监) carries C or the code of a court above C (a shorter prefix: 晋 or 晋08
 * above 晋0802): exactly the numbers the court could put on the ledger itself with the code C. A court with
 * only appeal or supervision numbers, or none, gets no code (its own cannot be told from a court above's); so
 * does every court of a code that two courts' numbers agree on. Numbers are read in their canonical form,
 * `（year）court-code type-code sequence 号`, so the court code is what follows the year up to the type code.
 */
export class Migration20261204000200_court_codes extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "unit" add column "court_code" text null;`);
    this.addSql(`alter table "unit" add constraint "unit_court_code_unique" unique ("court_code");`);
    this.addSql(`alter table "unit" add constraint "unit_court_code_kind" check ("court_code" is null or "kind" = 'COURT');`);
    this.addSql(`
      with numbered as (
        select c.court_unit_id as unit_id, n.type_code in ('破终', '清终', '破监', '清监') as higher,
               substring(n.number from '^（[0-9]{4}）(最高法|[^0-9最][0-9]*)') as code
        from case_number n join bankruptcy_case c on c.id = n.case_id
      ),
      own as (
        select unit_id, min(code) as code from numbered where not higher
        group by unit_id having count(distinct code) = 1 and count(code) = count(*)
      ),
      agreed as (
        select o.unit_id, o.code from own o join unit u on u.id = o.unit_id
        where u.kind = 'COURT' and not exists (
          select 1 from numbered x
          where x.unit_id = o.unit_id and x.higher
            and (x.code is null or not (x.code = o.code
              or (x.code <> '最高法' and length(x.code) < length(o.code) and left(o.code, length(x.code)) = x.code)))
        )
      )
      update unit u set court_code = a.code from agreed a
      where u.id = a.unit_id and (select count(*) from agreed b where b.code = a.code) = 1;`);
  }
}
